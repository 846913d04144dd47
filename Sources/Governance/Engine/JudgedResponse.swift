/// What the engine knows of a response it judged, beyond the event itself.
package struct JudgedResponse: Sendable, Equatable {
    /// How many responses of the same agent in the same conversation were judged before it
    /// with the same event time: part of the response's identity when it has no run id.
    package var ordinal: UInt32
}
