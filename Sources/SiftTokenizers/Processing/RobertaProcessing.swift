/// Hugging Face `RobertaProcessing`: `<s> A </s>` and `<s> A </s> </s> B </s>`, every type id 0
/// (overflowing windows included), after ByteLevel's offset trimming when `trim_offsets` is set.
public struct RobertaProcessing: Sendable, Equatable {
    public var cls: Int32
    public var sep: Int32
    public var trimOffsets: Bool
    public var addPrefixSpace: Bool

    public init(cls: Int32, sep: Int32, trimOffsets: Bool = true, addPrefixSpace: Bool = true) {
        self.cls = cls; self.sep = sep; self.trimOffsets = trimOffsets; self.addPrefixSpace = addPrefixSpace
    }

    /// The same layout as a template, so overflowing windows get their special tokens as HF's do.
    var template: TemplateProcessor {
        TemplateProcessor(
            single: [.special(ids: [cls], typeId: 0), .sequence(first: true, typeId: 0), .special(ids: [sep], typeId: 0)],
            pair: [.special(ids: [cls], typeId: 0), .sequence(first: true, typeId: 0), .special(ids: [sep], typeId: 0),
                   .special(ids: [sep], typeId: 0), .sequence(first: false, typeId: 0), .special(ids: [sep], typeId: 0)])
    }

    func process(_ a: Encoding, _ b: Encoding?, addSpecialTokens: Bool, vocabulary: Vocabulary,
                 texts: (String, String?)) -> Encoding {
        var a = a, b = b
        let trim = ByteLevel(addPrefixSpace: addPrefixSpace, trimOffsets: trimOffsets)
        trim.trim(&a, text: texts.0)
        if b != nil { trim.trim(&b!, text: texts.1 ?? "") }
        Self.zeroTypeIds(&a)
        if b != nil { Self.zeroTypeIds(&b!) }
        return template.process(a, b, addSpecialTokens: addSpecialTokens, vocabulary: vocabulary)
    }

    static func zeroTypeIds(_ e: inout Encoding) {
        e.typeIds = Array(repeating: 0, count: e.ids.count)
        for k in e.overflowing.indices { zeroTypeIds(&e.overflowing[k]) }
    }
}
