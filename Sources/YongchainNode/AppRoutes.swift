import Foundation
import YongchainApplication
import YongchainCore
import YongchainHTTP

/// Routes of the applications' verification endpoints. Each answer names the height and block hash it reflects.
struct AppRoutes {
    let node: Node

    func route(_ req: HTTPRequest, _ parts: [String]) throws -> (String, HTTPResponse)? {
        nil
    }
}
