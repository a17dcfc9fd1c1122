import Foundation
import Testing

extension EndToEnd {
    /// The status page in a real headless browser (Debian's chromium; .ci/run installs it). Skipped, not failed,
    /// where no chromium is installed.
    @Suite(.serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")))
    struct StatusPage {
        func chromium(_ args: [String]) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
            p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000"] + args
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }

        @Test func rendersTheNodesStateAndAScreenshot() throws {
            let c = try ClusterHarness(validators: 1, emptyBlockMs: 200)
            try c.up()
            let url = c.url("registry") + "/"
            #expect(c.eventually(10) { c.height("registry") >= 2 })

            // The page's script filled in what the API says: chain id, a numeric height, the validator.
            let dom = try chromium(["--dump-dom", url])
            #expect(dom.contains("chain yongchain-local"), "the script did not render the chain id")
            let height = dom.range(of: #"id="height">(\d+)<"#, options: .regularExpression)
            #expect(height != nil, "the height was not rendered")
            #expect(dom.contains("<td>registry</td>"))
            #expect(dom.contains("in sync"))

            // A real screenshot of the requested size that is not blank.
            let png = c.dir + "/status.png"
            _ = try chromium(["--screenshot=\(png)", "--window-size=1200,800", url])
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: png)))
            try #require(bytes.count > 24)
            #expect(Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }, heightPx = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == 1200 && heightPx == 800)
            #expect(bytes.count > 20_000, "a \(bytes.count)-byte screenshot is a blank page")
        }
    }
}
