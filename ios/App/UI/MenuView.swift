import Qoltanba
import SwiftUI

/// The cabinet's menu as the core presents it: its items, in its order and
/// words, enabled as it says; refreshed when the cabinet changes.
@MainActor
final class MenuModel: ScreenModel, CabinetListener {
    @Published private(set) var entries: [MenuEntry] = []
    private var listenerId: UInt64?

    override init(services: Services) {
        super.init(services: services)
        listenerId = services.app.addListener(listener: self)
        refresh()
    }

    func refresh() {
        do {
            entries = try services.app.menu()
        } catch {
            problem = Problem.of(error)
        }
    }

    nonisolated func changed(event: CabinetEvent) {
        Task { @MainActor in self.refresh() }
    }

    override func close() {
        if let listenerId { _ = services.app.removeListener(id: listenerId) }
        super.close()
    }
}

struct MenuView: View {
    @ObservedObject var model: MenuModel
    let open: (Screen) -> Void

    var body: some View {
        ScreenScaffold(title: "qoltanba", onBack: nil) {
            ProblemText(problem: model.problem)
            Text(tr("menu_intro")).font(.title2).accessibilityAddTraits(.isHeader)
            ForEach(model.entries, id: \.item) { entry in
                Button { open(Screen.of(entry.item)) } label: {
                    Text(menuItemText(item: entry.item)).font(.headline).frame(maxWidth: .infinity, minHeight: 56)
                }
                .buttonStyle(.bordered)
                .disabled(!entry.enabled)
                .accessibilityIdentifier(Tags.menuPrefix + "\(entry.item)".uppercased())
            }
        }
        // Back from a screen: what is enabled may have changed (a key imported).
        .onAppear { model.refresh() }
    }
}
