import Foundation

/// A JSON string literal.
package func jsonString(_ s: String) -> String {
    // Encoding a String cannot fail (JSONEncoder throws only for values JSON has no spelling for, e.g. a non-finite
    // number); the fallback exists for the type checker and is never taken.
    let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
    return String(decoding: data, as: UTF8.self)
}
