/// The fraction of positions where `predicted` equals `labels` (same non-zero length): the
/// one accuracy count behind every classifier's `accuracy(_:labels:)`.
func classificationAccuracy<Label: Equatable>(_ predicted: [Label], _ labels: [Label]) -> Double {
    precondition(predicted.count == labels.count && !labels.isEmpty, "checked by the caller")
    var correct = 0
    for (p, y) in zip(predicted, labels) where p == y { correct += 1 }
    return Double(correct) / Double(labels.count)
}
