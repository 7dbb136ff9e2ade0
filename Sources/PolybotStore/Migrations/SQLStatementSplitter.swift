/// Splits a SQL script into statements at top-level semicolons.
///
/// The extended query protocol takes one statement at a time, so migration files are split here. The
/// splitter understands `'…'` strings (with `''` escapes), `"…"` identifiers, `$tag$…$tag$` bodies,
/// `-- line` and `/* block */` comments; empty statements are dropped.
package enum SQLStatementSplitter {
    /// Returns the statements of `sql`, trimmed, without their terminating semicolons.
    package static func split(_ sql: String) -> [String] {
        let chars = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var hasCode = false
        var i = 0
        func flush() {
            let text = String(current).trimmingWhitespace()
            if hasCode && !text.isEmpty { statements.append(text) }
            current = String.UnicodeScalarView()
            hasCode = false
        }
        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            switch c {
            case "-" where next == "-":
                while i < chars.count && chars[i] != "\n" {
                    current.append(chars[i])
                    i += 1
                }
                continue
            case "/" where next == "*":
                var depth = 0
                repeat {
                    if chars[i] == "/" && i + 1 < chars.count && chars[i + 1] == "*" {
                        depth += 1
                        current.append(chars[i])
                        i += 1
                    } else if chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/" {
                        depth -= 1
                        current.append(chars[i])
                        i += 1
                    }
                    current.append(chars[i])
                    i += 1
                } while i < chars.count && depth > 0
                continue
            case "'", "\"":
                hasCode = true
                current.append(c)
                i += 1
                while i < chars.count {
                    current.append(chars[i])
                    if chars[i] == c {
                        if i + 1 < chars.count && chars[i + 1] == c {
                            i += 1
                            current.append(chars[i])
                        } else {
                            break
                        }
                    }
                    i += 1
                }
                i += 1
                continue
            case "$":
                // A dollar-quote tag is $$ or $identifier$.
                var j = i + 1
                while j < chars.count,
                    chars[j] == "_" || chars[j].properties.isAlphabetic || (j > i + 1 && ("0"..."9").contains(chars[j]))
                { j += 1 }
                if j < chars.count && chars[j] == "$" {
                    let tag = Array(chars[i...j])
                    hasCode = true
                    current.unicodeScalars(append: tag)
                    i = j + 1
                    while i < chars.count {
                        if chars[i] == "$" && i + tag.count <= chars.count && Array(chars[i..<(i + tag.count)]) == tag {
                            current.unicodeScalars(append: tag)
                            i += tag.count
                            break
                        }
                        current.append(chars[i])
                        i += 1
                    }
                    continue
                }
            case ";":
                flush()
                i += 1
                continue
            default:
                break
            }
            if !c.properties.isWhitespace { hasCode = true }
            current.append(c)
            i += 1
        }
        flush()
        return statements
    }
}

extension String.UnicodeScalarView {
    fileprivate mutating func unicodeScalars(append scalars: [Unicode.Scalar]) {
        for s in scalars { append(s) }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }
}
