import Qoltanba
import SwiftUI

/// The citizen's applications at the RA, newest first, each with what comes
/// next in the core's words; an unfinished renewal can be continued.
@MainActor
final class ApplicationsModel: ScreenModel {
    let login: RaLogin
    @Published private(set) var keys: [CitizenKey] = []
    @Published private(set) var applications: [RaApplication]?

    override init(services: Services) {
        login = RaLogin(services: services)
        super.init(services: services)
        forward(login.objectWillChange)
        forward(login.secrets.objectWillChange)
        let app = services.app
        Task { keys = (try? await offMain { try app.citizenKeys() }) ?? [] }
    }

    func logIn() {
        work {
            try await self.login.logIn(self.services)
            guard let session = self.login.session else { return }
            self.applications = try await self.services.app.applications(session: session)
            let app = self.services.app
            self.keys = try await self.offMain { try app.citizenKeys() }
        }
    }

    /// The key whose unfinished renewal made this application, to continue it.
    func key(of application: RaApplication) -> CitizenKey? {
        guard let renewal = application.renewalId else { return nil }
        return keys.first {
            if case let .renewing(renewalId, _) = $0.status { return renewalId == renewal }
            return false
        }
    }

    override func close() {
        login.close()
        super.close()
    }
}

struct ApplicationsView: View {
    @ObservedObject var model: ApplicationsModel
    let open: (Screen) -> Void
    let onBack: () -> Void

    var body: some View {
        ScreenScaffold(title: tr("applications_title"), onBack: onBack) {
            ProblemText(problem: model.problem)
            if model.needsUnlock {
                UnlockView { model.unlocked() }
            } else if let applications = model.applications {
                if applications.isEmpty { Text(tr("applications_none")).font(.body) }
                ForEach(applications, id: \.number) { application in
                    VStack(alignment: .leading, spacing: 4) {
                        Text(tr("application_number", String(application.number))).font(.headline)
                        Text(tr("application_dates", application.createdAt, application.updatedAt)).font(.callout)
                        Text(nextStepText(step: application.nextStep)).font(.body).foregroundColor(.accentColor)
                    }
                    .frame(maxWidth: .infinity, alignment: .leading)
                    .padding()
                    .background(RoundedRectangle(cornerRadius: 12).fill(Color(.secondarySystemBackground)))
                    .accessibilityElement(children: .combine)
                    .accessibilityIdentifier(Tags.applicationPrefix + String(application.number))
                    if let key = model.key(of: application), application.nextStep != .nothing {
                        OutlineButton(tr("application_continue")) { open(.renew(serial: key.serial)) }
                    }
                }
            } else {
                LoginForm(login: model.login, keys: model.keys, busy: model.busy) { model.logIn() }
            }
        }
    }
}
