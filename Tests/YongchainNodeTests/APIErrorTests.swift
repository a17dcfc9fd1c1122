import Foundation
import Testing
import YongchainCore
@testable import YongchainNode

/// An error body is written directly (APIError.body): the same bytes the generic JSON path wrote, and JSON every
/// parser reads back to the same code and message, whatever the message holds.
@Suite struct APIErrorTests {
    static let messages: [String] = [
        "", "plain", #"a "quoted" word"#, #"a back\slash and \" both"#, "/v1/x?y=z&w", "tab\there, line\nbreak, cr\r, ff\u{0C}, bs\u{08}",
        String((0..<32).map { Character(Unicode.Scalar(UInt8($0))) }) + "\u{7F}", "单元 110101001001GB00001F00010001 é", "emoji 🏦 and \u{2028}\u{2029}",
        String(repeating: "long \"x\" ", count: 300),
    ]

    @Test func anErrorBodyIsTheGenericEncodingsBytesAndParsesBack() throws {
        struct Decoded: Decodable { struct Inner: Decodable { let code: String; let message: String }; let error: Inner }
        for message in Self.messages {
            for code in [NodeCode.notFound, "X_\"Q\\"] {
                let e = APIError(code, message)
                let body = e.body
                let generic = JSON.encode(["error": ["code": code, "message": message]])
                #expect(body == generic, "\(message.debugDescription): \(String(decoding: body, as: UTF8.self))")
                let d = try JSONDecoder().decode(Decoded.self, from: Data(body))
                #expect(d.error.code == code && d.error.message == message)
                let o = try #require(JSONSerialization.jsonObject(with: Data(body)) as? [String: [String: String]])
                #expect(o == ["error": ["code": code, "message": message]])
                #expect(e.response.body == body && e.response.status == e.status)
            }
        }
    }
}
