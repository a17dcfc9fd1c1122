import Foundation
import Testing
@testable import YongchainCore
@testable import YongchainCrypto

@Suite struct ValidatorSetTests {
    func set(_ powers: [UInt64]) -> ValidatorSet {
        ValidatorSet(powers.enumerated().map { Validator(name: "v\($0.offset)", publicKey: key(UInt8($0.offset + 1)).publicKey, power: $0.element) })
    }

    @Test func quorumIsTwoFPlusOne() {
        #expect(set([1, 1, 1, 1]).quorum == 3)
        #expect(set([1, 1, 1, 1, 1, 1, 1]).quorum == 5)
        #expect(set([1]).quorum == 1)
        #expect(set([1, 1, 1, 1]).oneThirdPlus == 2)
    }

    @Test func proposerRotationIsProportionalToPower() {
        let s = set([1, 2, 3, 4])
        var counts = [0, 0, 0, 0]
        for h in 1...1000 { counts[s.proposer(height: UInt64(h), round: 0)] += 1 }
        #expect(counts == [100, 200, 300, 400])
        let equal = set([1, 1, 1, 1])
        #expect((0..<4).map { equal.proposer(height: 1, round: Int32($0)) }.sorted() == [0, 1, 2, 3])
    }

    @Test func commitCertificateVerification() throws {
        let keys = (1...4).map { key(UInt8($0)) }
        let vs = ValidatorSet(keys.enumerated().map { Validator(name: "v\($0.offset)", publicKey: $0.element.publicKey, power: 1) })
        let hash = HashSuite.sha256.digest([1])
        func sig(_ i: Int, _ h: Hash = hash, height: UInt64 = 5) -> CommitCertificate.Signature {
            let v = Vote(type: .precommit, height: height, round: 1, blockHash: h, validator: i)
            return .init(validator: i, signature: keys[i].sign(v.signingBytes(chainID: "c")))
        }
        let good = CommitCertificate(height: 5, round: 1, blockHash: hash, signatures: [sig(0), sig(2), sig(3)])
        try good.verify(validators: vs, chainID: "c", height: 5, blockHash: hash)
        #expect(throws: CommitError.self) { try good.verify(validators: vs, chainID: "other", height: 5, blockHash: hash) }
        #expect(throws: CommitError.self) { try good.verify(validators: vs, chainID: "c", height: 6, blockHash: hash) }
        let twoOnly = CommitCertificate(height: 5, round: 1, blockHash: hash, signatures: [sig(0), sig(2)])
        #expect(throws: CommitError.self) { try twoOnly.verify(validators: vs, chainID: "c", height: 5, blockHash: hash) }
        let dup = CommitCertificate(height: 5, round: 1, blockHash: hash, signatures: [sig(0), sig(0), sig(2)])
        #expect(throws: CommitError.self) { try dup.verify(validators: vs, chainID: "c", height: 5, blockHash: hash) }
        let forged = CommitCertificate(height: 5, round: 1, blockHash: hash, signatures: [sig(0), sig(1, HashSuite.sha256.digest([2])), sig(2)])
        #expect(throws: CommitError.self) { try forged.verify(validators: vs, chainID: "c", height: 5, blockHash: hash) }
    }
}

/// Consensus parameters: a genesis file that leaves a key out must keep meaning what it meant when written.
@Suite struct ConsensusParameterTests {
    @Test func anAbsentBlockSizeKeepsTheOldDefaultWhileNewGenesisGetsTheNewOne() throws {
        let old = try JSONDecoder().decode(ConsensusParameters.self, from: Data(#"{"timeoutProposeMs": 3000}"#.utf8))
        #expect(old.maxBlockTransactions == 5000)
        #expect(ConsensusParameters().maxBlockTransactions == 1000)
        let written = try JSONDecoder().decode(ConsensusParameters.self, from: JSONEncoder().encode(ConsensusParameters()))
        #expect(written.maxBlockTransactions == 1000)
    }
}
