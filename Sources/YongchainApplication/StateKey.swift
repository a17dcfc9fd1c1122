/// The layout of application state: readable, `/`-separated keys, so a key's prefix is its table. Each domain
/// adds its keys in `<Domain>/<Domain>StateKeys.swift`; changing a key's form changes every state hash, so those
/// files are a schema.
enum StateKey {}
