import Testing
@testable import YongchainCore

@Suite struct IdentifierTests {
    @Test func creditCodeCheckCharacter() throws {
        // A published example code with a valid check character.
        #expect(throws: Never.self) { try CreditCode("91350100M000100Y43") }
        let first17 = "91110000600037341"
        let c = CreditCode.checkCharacter(for: first17)!
        #expect(throws: Never.self) { try CreditCode(first17 + String(c)) }
        for other in Array("0123456789ABCDEFGHJKLMNPQRTUWXY") where other != c {
            #expect(throws: ValidationError.self) { try CreditCode(first17 + String(other)) }
        }
        #expect(throws: ValidationError.self) { try CreditCode("91350100M000100Y4") }
        #expect(throws: ValidationError.self) { try CreditCode("91350100I000100Y43") }
        do { _ = try CreditCode("bad", field: "exporter") } catch let e as ValidationError { #expect(e.field == "exporter") }
    }

    @Test func unitNumberLayout() {
        #expect(throws: Never.self) { try UnitNumber("110101001001GB00001F00010001") }
        #expect(throws: Never.self) { try UnitNumber("320583102003JC00123W00000000") }
        for bad in ["110101001001GB00001F0001000", "11010100100XGB00001F00010001", "110101001001AB00001F00010001",
                    "110101001001G100001F00010001", "110101001001GB00001X00010001", "110101001001GB00001W00010001"] {
            #expect(throws: ValidationError.self, "\(bad)") { try UnitNumber(bad) }
        }
    }

    @Test func residentIDAndDeclarationAndMoney() throws {
        let first17 = "11010519491231002"
        let c = ResidentID.checkCharacter(for: first17)!
        #expect(throws: Never.self) { try ResidentID(first17 + String(c)) }
        #expect(throws: ValidationError.self) { try ResidentID(first17 + (c == "1" ? "2" : "1")) }
        #expect(throws: Never.self) { try DeclarationNumber("223320201000123456") }
        #expect(throws: ValidationError.self) { try DeclarationNumber("22332020100012345A") }
        #expect(throws: ValidationError.self) { try Currency("XYZ") }
        let cny = try Currency("CNY")
        #expect(try Money(minorUnits: 123_456, currency: cny).description == "1234.56 CNY")
        #expect(throws: ValidationError.self) { try Money(minorUnits: 0, currency: cny) }
        #expect(throws: ValidationError.self) { try Money(minorUnits: -5, currency: cny) }
    }
}
