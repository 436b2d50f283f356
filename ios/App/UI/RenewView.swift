import Qoltanba
import QoltanbaShell
import SwiftUI

/// The re-issuance: pick the key, fill the form, then the journey's screens.
struct RenewView: View {
    @ObservedObject var model: RenewModel
    let onBack: () -> Void
    let onFinished: () -> Void

    var body: some View {
        ScreenScaffold(title: tr("renew_title"), onBack: onBack) {
            ProblemText(problem: model.problem)
            if model.key == nil {
                KeyPicker(keys: model.candidates, title: tr("renew_pick")) { model.pick($0) }
            } else if !model.journeyShown {
                RenewForm(model: model)
            } else {
                JourneyView(state: model.screen, model: model, onBack: onBack, onFinished: onFinished)
            }
        }
    }
}

private struct RenewForm: View {
    @ObservedObject var model: RenewModel

    var body: some View {
        if let key = model.key {
            KeySummary(key: key)
            if model.resuming != nil { Text(tr("renew_resume_intro")).font(.body) }
            SectionTitle(tr("renew_current_keys"))
            KeySecretsForm(storage: key.storage, secrets: model.secrets)
            if key.storage == .file {
                SectionTitle(tr("renew_new_keys_home"))
                RadioRow(selected: model.home == .files, label: tr("renew_home_files"), id: Tags.homeFiles) { model.home = .files }
                RadioRow(selected: model.home == .keystore, label: tr("renew_home_keystore"), id: Tags.homeKeystore) { model.home = .keystore }
                if model.home == .files {
                    Field(label: tr("new_password"), text: $model.newPassword, id: Tags.newPassword, secret: true)
                    Field(label: tr("new_password_again"), text: $model.newPasswordAgain, id: Tags.newPasswordAgain, secret: true)
                }
            }
            if model.resuming == nil {
                SectionTitle(tr("renew_application"))
                Field(label: tr("email"), text: $model.email, id: Tags.email, keyboard: .emailAddress)
                Field(label: tr("locality"), text: $model.locality, id: Tags.locality)
            }
            WideButton(tr(model.resuming != nil ? "renew_resume" : "renew_start"), id: Tags.start, enabled: model.ready) { model.start() }
        }
    }
}

private struct JourneyView: View {
    let state: JourneyScreen
    let model: RenewModel
    let onBack: () -> Void
    let onFinished: () -> Void

    var body: some View {
        switch state {
        case .idle:
            Busy(tr("renew_starting"))
        case let .working(_, text):
            Busy(text.isEmpty ? tr("busy") : text)
            OutlineButton(tr("renew_stop"), id: Tags.cancel) { model.journey.cancel() }
        case let .review(review):
            ReviewView(review: review, onConfirm: { model.journey.confirmReview() }, onDecline: { model.journey.declineReview() })
        case let .code(application, wrongBefore):
            CodeView(application: application, wrongBefore: wrongBefore) { model.journey.submitCode($0) }
        case let .tapCard(lost):
            TapCardView(lost: lost)
        case .unlock:
            UnlockView { model.journey.unlocked() }
        case let .question(question):
            Text(question).font(.headline).accessibilityIdentifier(Tags.question)
            WideButton(tr("yes"), id: Tags.answerYes) { model.journey.answerQuestion(true) }
            OutlineButton(tr("no"), id: Tags.answerNo) { model.journey.answerQuestion(false) }
        case let .done(summary):
            DoneView(summary: summary, onFinished: onFinished)
        case .declined:
            Text(tr("renew_declined")).font(.body)
            WideButton(tr("back"), id: Tags.done, action: onBack)
        case let .failed(message, _, canRetry):
            Text(message).font(.body).foregroundColor(.red)
                .accessibilityLabel(tr("a11y_problem", message))
                .accessibilityIdentifier(Tags.failed)
            // Retryable (the RA out of reach, say): the same call again, from
            // the last committed step; otherwise the form again, for another
            // PIN, password or CAN.
            WideButton(tr("retry"), id: Tags.retry) {
                if canRetry { model.journey.retry() } else { model.startOver() }
            }
            OutlineButton(tr("back"), id: Tags.back, action: onBack)
        }
    }
}

/// The application before anything is made or signed: what the citizen agrees to.
private struct ReviewView: View {
    let review: Review
    let onConfirm: () -> Void
    let onDecline: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            SectionTitle(tr("review_title"))
            Fact(tr("review_holder"), tr("review_holder_iin", review.holder, review.iin))
            Fact(tr("email"), review.email)
            Fact(tr("locality"), review.locality)
            Fact(tr("review_storage"), storageText(storage: review.storage))
            Fact(tr("review_algorithm"), review.algorithm)
            Fact(tr("review_validity"), review.validityDays.map { tr("review_validity_days", Int($0)) } ?? tr("review_validity_ra"))
            Fact(tr("review_replaces"), review.replaces.joined(separator: ", "))
            ForEach(review.warnings, id: \.self) { warning in
                Label {
                    Text(reviewWarningText(warning: warning)).font(.body)
                } icon: {
                    Image(systemName: "exclamationmark.triangle").accessibilityHidden(true)
                }
                .foregroundColor(.red)
            }
        }
        .accessibilityElement(children: .contain)
        .accessibilityIdentifier(Tags.review)
        Text(tr("review_question")).font(.headline)
        WideButton(tr("review_confirm"), id: Tags.confirm, action: onConfirm)
        OutlineButton(tr("review_decline"), id: Tags.decline, action: onDecline)
    }
}

private struct CodeView: View {
    let application: Int64
    let wrongBefore: Bool
    let onSubmit: (String) -> Void
    @State private var code = ""

    var body: some View {
        SectionTitle(tr("code_title"))
        Text(tr("code_intro", String(application))).font(.body)
            .accessibilityIdentifier(Tags.codeForPrefix + String(application))
        if wrongBefore { Text(tr("code_wrong")).font(.body).foregroundColor(.red) }
        Field(label: tr("code_label"), text: $code, id: Tags.code, keyboard: .numberPad)
            .textContentType(.oneTimeCode)
        #if QOLTANBA_TESTING
        EmbeddedRACode(application: application)
        #endif
        WideButton(tr("code_submit"), id: Tags.submitCode, enabled: !code.isEmpty) {
            onSubmit(code.trimmingCharacters(in: .whitespaces))
            code = ""
        }
    }
}

/// Waiting for the ID card: where to hold it; after a lost tag, that the step resumes.
private struct TapCardView: View {
    let lost: Bool

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            SectionTitle(tr("tap_card_title"))
            if !NFCSessions.available {
                Text(tr("nfc_missing")).font(.body).foregroundColor(.red)
            }
            Image(systemName: "wave.3.right.circle").font(.largeTitle).accessibilityHidden(true)
            Text(tr(lost ? "tap_card_lost" : "tap_card_iphone")).font(.body)
            Text(tr("tap_card_hold")).font(.callout)
            Text(tr("card_can_where")).font(.callout)
        }
        .accessibilityElement(children: .contain)
        .accessibilityIdentifier(Tags.tapCard)
    }
}

private struct DoneView: View {
    let summary: RenewalSummary
    let onFinished: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            SectionTitle(tr("done_title"))
            Text(tr("done_application", String(summary.application))).font(.body)
            ForEach(summary.newCertificates, id: \.serial) { certificate in
                Fact(purposeText(certificate.purpose), tr("done_certificate", certificate.serial, formatDate(certificate.notAfter)))
            }
        }
        .accessibilityElement(children: .contain)
        .accessibilityIdentifier(Tags.done)
        WideButton(tr("done_to_keys"), id: Tags.toKeys, action: onFinished)
    }
}
