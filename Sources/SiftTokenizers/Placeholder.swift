// replaced by the tokenizer
public enum SiftTokenizersVersion { public static let value = "0.1.0" }
