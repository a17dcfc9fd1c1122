import YongchainCore
import YongchainCrypto

/// `mortgage.approve`: a registry with the `realEstate` authority registers a pending application, assigning its
/// registration certificate number and its priority on the unit. JSON: `{"applicationId": "<64 hex>"}`.
public struct ApproveMortgage: ApplicationIdPayload, Equatable {
    public static let type = "mortgage.approve"
    public var applicationId: Hash
    public init(applicationId: Hash) { self.applicationId = applicationId }
}

/// `mortgage.reject`: a registry with the `realEstate` authority refuses a pending application, with a reason
/// the bank can act on. JSON: `{"applicationId": "<64 hex>", "reason": "…"}`.
public struct RejectMortgage: Payload, Equatable {
    public static let type = "mortgage.reject"
    public var applicationId: Hash
    public var reason: String

    public init(applicationId: Hash, reason: String) {
        self.applicationId = applicationId
        self.reason = reason
    }

    public func validate() throws { try MortgageCoding.nonEmpty(reason, max: MortgageLimits.maxReasonBytes, field: "reason") }
    public func encode(to w: inout CanonicalWriter) { w.hash(applicationId); w.string(reason) }
    public init(from r: inout CanonicalReader) throws {
        applicationId = try r.hash("applicationId")
        reason = try r.string("reason", max: MortgageLimits.maxReasonBytes)
    }
}

/// `mortgage.discharge`: the mortgagee bank applies to discharge a registered mortgage (the debt is repaid).
/// JSON: `{"applicationId": "<64 hex>"}`.
public struct DischargeMortgage: ApplicationIdPayload, Equatable {
    public static let type = "mortgage.discharge"
    public var applicationId: Hash
    public init(applicationId: Hash) { self.applicationId = applicationId }
}

/// `mortgage.registerDischarge`: a registry with the `realEstate` authority registers the bank's discharge; the
/// mortgage is then `discharged` and no longer encumbers the unit. JSON: `{"applicationId": "<64 hex>"}`.
public struct RegisterDischarge: ApplicationIdPayload, Equatable {
    public static let type = "mortgage.registerDischarge"
    public var applicationId: Hash
    public init(applicationId: Hash) { self.applicationId = applicationId }
}

/// A decision whose whole body is the application it concerns: one encoding for all of them.
public protocol ApplicationIdPayload: Payload {
    var applicationId: Hash { get }
    init(applicationId: Hash)
}

extension ApplicationIdPayload {
    public func validate() throws {}
    public func encode(to w: inout CanonicalWriter) { w.hash(applicationId) }
    public init(from r: inout CanonicalReader) throws { self.init(applicationId: try r.hash("applicationId")) }
}
