// PanoplyBench: the Swift side of scripts/bench.sh. Not run by tests.
//
//   PanoplyBench records N                      print N NDJSON bench records (without __table)
//   PanoplyBench write N                        write() throughput into a transport that drops
//   PanoplyBench e2e N URL query|json [C] [nobatch]   end to end to an SQS queue URL (SigV4)
//   PanoplyBench body N query|json              build N request bodies of one ~256 KiB message
//   PanoplyBench outbox N DIR                   write() into a local outbox folder, to the end
//
// Each mode prints one line of JSON with its figures.
import Foundation
import PanoplyKit

let args = CommandLine.arguments
guard args.count >= 3, let n = Int(args[2]) else {
    FileHandle.standardError.write(Data("usage: PanoplyBench records|write|e2e N [URL query|json [concurrency] [nobatch]]\n".utf8))
    exit(2)
}

switch args[1] {
case "records":
    var out: [UInt8] = []
    out.reserveCapacity(1 << 20)
    let records = BenchRecords.make(count: 1000)
    for i in 0..<n {
        try JSONWriter.write(.object(records[i % records.count]), into: &out)
        out.append(0x0A)
        if out.count > 1 << 20 {
            FileHandle.standardOutput.write(Data(out))
            out.removeAll(keepingCapacity: true)
        }
    }
    FileHandle.standardOutput.write(Data(out))
case "write":
    let r = try await Bench.write(records: n)
    print(r.json)
case "e2e":
    guard args.count >= 5, let url = URL(string: args[3]), let proto = SQSProtocol(rawValue: args[4]) else {
        FileHandle.standardError.write(Data("e2e needs URL and query|json\n".utf8))
        exit(2)
    }
    let concurrency = args.count > 5 ? Int(args[5]) ?? 4 : 4
    let batch = !(args.count > 6 && args[6] == "nobatch")
    let r = try await Bench.endToEnd(records: n, queueURL: url, sqsProtocol: proto, concurrency: concurrency, batch: batch)
    print(r.json)
case "outbox":
    guard args.count >= 4 else { exit(2) }
    print(try await Bench.outbox(records: n, directory: args[3]).json)
case "body":
    // The request encoder alone: JSON escaping or percent-encoding of a full message.
    guard args.count >= 4, let proto = SQSProtocol(rawValue: args[3]) else { exit(2) }
    var message: [UInt8] = []
    let records = BenchRecords.make(count: 1000)
    var i = 0
    while message.count < 260_000 {
        try JSONWriter.write(.object(records[i % 1000]), into: &message)
        message += [0x0A]
        i += 1
    }
    let builder = SQSRequestBuilder(queueURL: URL(string: "http://127.0.0.1:1/123456789012/q")!, sqsProtocol: proto, attributes: [("key", "v")])
    let m = OutgoingMessage(number: 1, body: message, recordCount: i, firstRecord: 1, lastRecord: UInt64(i))
    let t0 = ContinuousClock.now
    var total = 0
    for _ in 0..<n { total &+= builder.bodyData(for: [m]).count }
    let d = ContinuousClock.now - t0
    let secs = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    print("{\"bodies\":\(n),\"input_mb_per_s\":\(Double(message.count * n) / secs / 1e6),\"output_bytes\":\(total / n)}")
default:
    FileHandle.standardError.write(Data("unknown mode \(args[1])\n".utf8))
    exit(2)
}
