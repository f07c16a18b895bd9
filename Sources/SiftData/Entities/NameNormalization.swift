import Foundation

/// The form names and mentions are compared in, so "Zoë Müller", "ZOE MULLER" and " zoe  müller."
/// are one name:
///
/// 1. Unicode NFKC (full-width `ＩＢＭ` is `IBM`, the ligature `ﬁ` is `fi`);
/// 2. full case folding (`Straße` is `strasse`);
/// 3. diacritics removed: canonical decomposition, then the combining marks of the Latin,
///    Greek and Cyrillic diacritic blocks (U+0300–036F, 1AB0–1AFF, 1DC0–1DFF, 20D0–20FF,
///    FE20–FE2F) dropped and the rest recomposed. Marks that are letters' vowels or voicing in
///    other scripts (Devanagari, the Japanese dakuten) stay; letters without a decomposition
///    (`ø`, `ł`) stay too and are left to fuzzy matching;
/// 4. punctuation: dashes and connectors (`-`, `_`) become spaces, all other punctuation is
///    dropped, at the ends and inside (`U.S.` is `us`, `O'Brien` is `obrien`); symbols (`+`,
///    `$`) stay;
/// 5. whitespace runs become one space, none at the ends.
public enum NameNormalization {
    public static func normalize(_ s: String) -> String {
        let folded = s.precomposedStringWithCompatibilityMapping.folding(options: [.caseInsensitive], locale: nil)
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for u in folded.decomposedStringWithCanonicalMapping.unicodeScalars {
            if isDiacritic(u) { continue }
            switch u.properties.generalCategory {
            case .dashPunctuation, .connectorPunctuation:
                pendingSpace = !out.isEmpty
                continue
            case .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation, .otherPunctuation:
                continue
            default:
                break
            }
            if u.properties.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" "); pendingSpace = false }
            out.append(u)
        }
        return String(out).precomposedStringWithCanonicalMapping
    }

    static func isDiacritic(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x0300...0x036F, 0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0x20D0...0x20FF, 0xFE20...0xFE2F: true
        default: false
        }
    }
}
