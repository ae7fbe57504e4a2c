import ArgumentParser

public struct PolytailCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "polytail", abstract: "Statistics with polynomial tails.")
    public init() {}
}
