extension CopyOrder {
    /// The status its signal takes from this order.
    package var signalStatus: String {
        let o = self
        if o.filledSize > .zero { return "filled" }
        switch o.status {
        case .rejected: return "rejected"
        case .expired, .cancelled: return "expired"
        case .failed: return "failed"
        case .pendingApproval: return "approved"
        default: return "ordered"
        }
    }
}
