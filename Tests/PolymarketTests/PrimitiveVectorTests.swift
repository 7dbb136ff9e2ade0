import Polymarket
import Testing

/// Signing notes §7: Keccak-256, EIP-712 "Ether Mail", secp256k1 address derivation, EIP-55.
@Suite("Crypto primitives reproduce the published vectors")
struct PrimitiveVectorTests {
    func keccakHex(_ bytes: [UInt8]) -> String { HexCoding.encode(Keccak256.hash(bytes), prefix: false) }

    @Test func keccak256Vectors() {
        #expect(keccakHex([]) == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        #expect(keccakHex(Array("abc".utf8)) == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
        #expect(
            keccakHex(Array("The quick brown fox jumps over the lazy dog".utf8))
                == "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15")
        #expect(
            keccakHex([UInt8](repeating: 0, count: 135))
                == "29e3704feeca7fb9ba229f0fa04d9b36449cf3ad6e1d85d9cfff3a10df9abc3e")
        #expect(
            keccakHex([UInt8](repeating: 0, count: 136))
                == "3a5912a7c5faa06ee4fe906253e339467a9ce87d533c65be3c15cb231cdb25f9")
        #expect(
            keccakHex([UInt8](repeating: 0x61, count: 200))
                == "96ea54061def936c4be90b518992fdc6f12f535068a256229aca54267b4d084d")
        // Not FIPS SHA3-256.
        #expect(keccakHex([]) != "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a")
    }

    @Test func eip712EtherMail() throws {
        let person = EIP712.typeHash("Person(string name,address wallet)")
        func hashPerson(_ name: String, _ wallet: String) -> [UInt8] {
            var e = EIP712.Encoder(typeHash: person)
            e.string(name)
            e.address(EthAddress(wallet)!)
            return e.hash()
        }
        let mailType = EIP712.typeHash("Mail(Person from,Person to,string contents)Person(string name,address wallet)")
        #expect(HexCoding.encode(mailType) == "0xa0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2")
        let cow = hashPerson("Cow", "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826")
        #expect(HexCoding.encode(cow) == "0xfc71e5fa27ff56c350aa531bc129ebdf613b772b6604664f5d8dbe21b85eb0c8")
        var mail = EIP712.Encoder(typeHash: mailType)
        mail.word(cow)
        mail.word(hashPerson("Bob", "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"))
        mail.string("Hello, Bob!")
        #expect(HexCoding.encode(mail.hash()) == "0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e")
        let domain = EIP712.domainSeparator(
            name: "Ether Mail", version: "1", chainId: 1,
            verifyingContract: EthAddress("0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"))
        #expect(HexCoding.encode(domain) == "0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f")
        let digest = EIP712.digest(domainSeparator: domain, structHash: mail.hash())
        #expect(HexCoding.encode(digest) == "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2")
        let key = try PrivateKey(bytes: Keccak256.hash(Array("cow".utf8)))
        #expect(key.address.checksummed == "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826")
        let sig = try key.sign(digest: digest)
        #expect(sig.bytes[64] == 28)
        #expect(
            HexCoding.encode(sig.compact[0..<32])
                == "0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d")
        #expect(
            HexCoding.encode(sig.compact[32..<64])
                == "0x07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562")
        #expect(try SignatureRecovery.signer(of: digest, signature: sig) == key.address)
    }

    @Test func addressDerivationAndChecksums() throws {
        let key = try PrivateKey(hex: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
        #expect(key.address.checksummed == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        #expect(key.address.lowercased == "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")
        #expect(
            EthAddress("0x8b4de256180cfec54c436a470af50f9ee2813dbb")?.checksummed
                == "0x8B4de256180CFEC54c436A470AF50F9EE2813dbB")
        #expect(EthAddress.isValidChecksum("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"))
        #expect(!EthAddress.isValidChecksum("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92267"))
        #expect(!"\(key)".contains("ac0974"))
        #expect(throws: SigningError.invalidPrivateKey) { try PrivateKey(hex: "0x00") }
        #expect(throws: SigningError.invalidPrivateKey) { try PrivateKey(bytes: [UInt8](repeating: 0, count: 32)) }
    }

    @Test func uint256Words() {
        let id = "71321045679252212594626385532706912750332728571942532289631379312455583992563"
        #expect(UInt256Word(decimal: id) != nil)
        #expect(UInt256Word(decimal: "1234")?.bytes.suffix(2) == [0x04, 0xD2])
        // 2^256 does not fit.
        #expect(
            UInt256Word(decimal: "115792089237316195423570985008687907853269984665640564039457584007913129639936")
                == nil)
        #expect(
            UInt256Word(decimal: "115792089237316195423570985008687907853269984665640564039457584007913129639935")?
                .bytes
                == [UInt8](repeating: 0xFF, count: 32))
        #expect(UInt256Word(decimal: "12a") == nil)
    }
}
