import Foundation
import Polymarket
import Testing

@Suite("eth_getLogs answers")
struct ChainLogScannerTests {
    let answer = #"""
        {"jsonrpc":"2.0","id":1,"result":[
          {"address":"0xe111180000d2663c0091e4f400237545b87b996b","topics":["0xd543adfd945773f1a62f74f0ee55a5e3b9b1a28262980ba90b1a89f2ea84d8ee","0x01","0x02","0x03"],
           "data":"0x00","blockNumber":"0x3dfd240","blockHash":"0xabc","blockTimestamp":"0x68e8f2b0",
           "transactionHash":"0xdef","transactionIndex":"0x0","logIndex":"0x1f","removed":false},
          {"removed":true,"logIndex":"0x0","transactionHash":"0x9","blockNumber":"0x1","data":"0x",
           "topics":[],"address":"0xe2222d279d744050d28e00520010520000310f59","blockHash":null,"extra":{"a":[1,2,{"b":null}]}}
        ]}
        """#

    @Test func theScannerReadsWhatTheDecoderReads() throws {
        let data = Data(answer.utf8)
        let fast = try #require(ChainLogScanner.logs(data))
        struct Reply: Decodable { var result: [ChainLog] }
        let slow = try JSONDecoder().decode(Reply.self, from: data).result
        #expect(fast == slow)
        #expect(fast.count == 2 && fast[0].blockTimestamp == "0x68e8f2b0" && fast[1].removed == true)
        #expect(fast[1].blockHash == nil && fast[1].blockTimestamp == nil)
    }

    @Test func anythingElseIsLeftToTheDecoder() {
        let error =
            #"{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"query returned more than 10000 results"}}"#
        #expect(ChainLogScanner.logs(Data(error.utf8)) == nil)
        #expect(ChainLogScanner.logs(Data(#"{"result":[{"address":"0x1"}]}"#.utf8)) == nil, "a log without its fields")
        #expect(ChainLogScanner.logs(Data("not json".utf8)) == nil)
    }
}
