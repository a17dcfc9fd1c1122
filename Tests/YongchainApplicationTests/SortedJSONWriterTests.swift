import Foundation
import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainApplication

/// The answers that write their own JSON (`SortedJSONWritable`) write exactly what `JSONEncoder` writes with sorted
/// keys, through every state a lien and a seizure pass: a key written out of order, a field left out or an
/// optional written as null fails here.
@Suite struct SortedJSONWriterTests {
    static func reference<T: Encodable>(_ v: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(v), as: UTF8.self)
    }

    static func expectSame<T: Encodable>(_ v: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(v is SortedJSONWritable, sourceLocation: sourceLocation)
        #expect(String(decoding: try SortedJSON.encode(v), as: UTF8.self) == (try reference(v)), sourceLocation: sourceLocation)
    }

    @Test func encumbranceAndCertificateAnswersWriteWhatJSONEncoderWrites() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        try Self.expectSame(try #require(try MortgageQueries.encumbrances(unitNumber: f.unit1, state: f.state)))
        let first = f.file(f.signedApplication(bank: f.bankA, principal: 100), by: f.bankA)
        let second = f.file(f.signedApplication(bank: f.bankB, principal: 200), by: f.bankB)
        #expect(f.run(ApproveMortgage(applicationId: first), by: f.registry) == .ok)
        #expect(f.run(ApproveMortgage(applicationId: second), by: f.registry) == .ok)
        #expect(f.run(DischargeMortgage(applicationId: first), by: f.bankA) == .ok)
        // A court order with what a string writer must escape: quotes, a backslash, a slash, a control character,
        // non-ASCII text.
        #expect(f.run(SeizeProperty(unitNumber: f.unit1, courtOrder: #"(2020)苏05执"1"\号/\#t"#), by: f.registry) == .ok)
        let states = { try #require(try MortgageQueries.encumbrances(unitNumber: f.unit1, state: f.state)) }
        try Self.expectSame(try states())
        #expect(f.run(RegisterDischarge(applicationId: first), by: f.registry) == .ok)
        #expect(f.run(ReleaseProperty(unitNumber: f.unit1, courtOrder: "C-2"), by: f.registry) == .ok)
        let e = try states()
        #expect(e.mortgages.map(\.state) == [.discharged, .registered] && e.seizures.count == 1 && e.mortgages[0].dischargedAt != nil)
        try Self.expectSame(e)
        for lien in e.mortgages { try Self.expectSame(try #require(try MortgageQueries.certificate(number: lien.certificateNumber, state: f.state))) }
        // A negative time (before 1970) and a mortgagee that is no member (no name).
        try Self.expectSame(RecordedAt(height: 1, time: -5))
        var json = try JSONSerialization.jsonObject(with: Data(try SortedJSON.encode(e.mortgages[1]))) as! [String: Any]
        json["mortgagee"] = try PrivateKey.generate().publicKey.text
        json.removeValue(forKey: "mortgageeName")
        let nameless = try JSONDecoder().decode(LienView.self, from: JSONSerialization.data(withJSONObject: json))
        try Self.expectSame(nameless)
    }
}
