/// The JSON path of a field as API messages write it, e.g. `owners[1].idNumber`: what a `ValidationError`
/// names (docs/trade-finance.md, docs/mortgage.md).
public enum JSONPath {
    /// The path of `key` under `codingPath`; an empty `key` gives the path of the object itself.
    public static func of(_ codingPath: [CodingKey], _ key: String = "") -> String {
        var out = ""
        for k in codingPath {
            if let i = k.intValue { out += "[\(i)]" } else { out += out.isEmpty ? k.stringValue : ".\(k.stringValue)" }
        }
        if key.isEmpty { return out }
        return out.isEmpty ? key : "\(out).\(key)"
    }
}

extension Decoder {
    /// Where this decoder is in the document, for a `ValidationError`: `fallback` at the top level.
    func fieldPath(or fallback: String) -> String {
        let path = JSONPath.of(codingPath)
        return path.isEmpty ? fallback : path
    }
}
