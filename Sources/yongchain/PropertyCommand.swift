import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

/// `yongchain property|mortgage|trade ...`: build, sign and submit the applications' transactions and run their
/// signed verification queries. Each subcommand is one row of a table: its options and how they become a JSON body
/// (or a query target); `--json` replaces the options with a body written by hand.
enum PropertyCommand {
    static func run(_ argv: [String]) throws {
        try AppCLI.run("property", argv, [
            .tx("register", "property.register", "--unit U --title NO --owner TYPE:NUMBER:NAME:KEY [--owner ...] --area HUNDREDTHS_M2 --use USE",
                ["unit", "title", "owner", "area", "use"]) { a, _ in
                ["unitNumber": try a.require("unit"), "titleCertificateNumber": try a.require("title"),
                 "owners": try a.values("owner").map(AppCLI.owner), "area": try AppCLI.int(a, "area"), "use": try a.require("use")]
            },
            .tx("seize", "property.seize", "--unit U --court-order ORDER", ["unit", "court-order"]) { a, _ in
                ["unitNumber": try a.require("unit"), "courtOrder": try a.require("court-order")]
            },
            .tx("release", "property.release", "--unit U --court-order ORDER", ["unit", "court-order"]) { a, _ in
                ["unitNumber": try a.require("unit"), "courtOrder": try a.require("court-order")]
            },
            .provable("encumbrances", "--unit U", ["unit"]) { a, _ in
                ("GET", "/v1/mortgage/units/\(AppCLI.escape(try a.require("unit")))/encumbrances", [])
            },
            .provable("verify-title", "--title NO --owner TYPE:NUMBER", ["title", "owner"]) { a, _ in
                let id = try AppCLI.identity(try a.require("owner"))
                return ("GET", "/v1/mortgage/titles/verify?certificate=\(AppCLI.escape(try a.require("title")))&idType=\(AppCLI.escape(id["idType"]!))&id=\(AppCLI.escape(id["idNumber"]!))", [])
            },
        ])
    }
}
