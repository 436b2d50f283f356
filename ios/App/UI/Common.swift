import Qoltanba
import SwiftUI

// The building blocks of every screen. System text styles only (Dynamic
// Type); every control has a label VoiceOver reads, and an identifier.

/// A screen: its title, a back button (labelled for VoiceOver), scrolling content.
struct ScreenScaffold<Content: View>: View {
    let title: String
    let onBack: (() -> Void)?
    @ViewBuilder let content: () -> Content

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) { content() }
                .frame(maxWidth: .infinity, alignment: .leading)
                .padding()
        }
        .navigationTitle(title)
        .navigationBarTitleDisplayMode(.inline)
        .navigationBarBackButtonHidden(true)
        .toolbar {
            ToolbarItem(placement: .navigationBarLeading) {
                if let onBack {
                    Button(action: onBack) {
                        Image(systemName: "chevron.backward").imageScale(.large)
                    }
                    .accessibilityLabel(tr("back"))
                    .accessibilityIdentifier(Tags.back)
                }
            }
        }
    }
}

struct SectionTitle: View {
    let text: String
    init(_ text: String) { self.text = text }

    var body: some View {
        Text(text).font(.title3.weight(.semibold)).accessibilityAddTraits(.isHeader)
    }
}

/// The full-width main action of a screen.
struct WideButton: View {
    let title: String
    let id: String
    var enabled = true
    let action: () -> Void

    init(_ title: String, id: String, enabled: Bool = true, action: @escaping () -> Void) {
        self.title = title
        self.id = id
        self.enabled = enabled
        self.action = action
    }

    var body: some View {
        Button(action: action) {
            Text(title).font(.headline).frame(maxWidth: .infinity, minHeight: 44)
        }
        .buttonStyle(.borderedProminent)
        .disabled(!enabled)
        .accessibilityIdentifier(id)
    }
}

/// A secondary full-width action.
struct OutlineButton: View {
    let title: String
    let id: String?
    let action: () -> Void

    init(_ title: String, id: String? = nil, action: @escaping () -> Void) {
        self.title = title
        self.id = id
        self.action = action
    }

    var body: some View {
        Button(action: action) {
            Text(title).font(.body).frame(maxWidth: .infinity, minHeight: 44)
        }
        .buttonStyle(.bordered)
        .accessibilityIdentifier(id ?? title)
    }
}

/// A labelled text field; `secret` hides what is typed (passwords, PIN, CAN).
struct Field: View {
    let label: String
    @Binding var text: String
    let id: String
    var secret = false
    var keyboard: UIKeyboardType = .default

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(label).font(.subheadline).accessibilityHidden(true)
            Group {
                if secret {
                    SecureField(label, text: $text)
                } else {
                    TextField(label, text: $text)
                }
            }
            .keyboardType(keyboard)
            .textInputAutocapitalization(.never)
            .disableAutocorrection(true)
            .textFieldStyle(.roundedBorder)
            .font(.body)
            .accessibilityLabel(label)
            .accessibilityIdentifier(id)
        }
    }
}

/// A choice among several (a radio row): VoiceOver reads it as selected or not.
struct RadioRow: View {
    let selected: Bool
    let label: String
    let id: String
    let onSelect: () -> Void

    var body: some View {
        Button(action: onSelect) {
            HStack {
                Image(systemName: selected ? "largecircle.fill.circle" : "circle").accessibilityHidden(true)
                Text(label).font(.body).multilineTextAlignment(.leading)
                Spacer()
            }
            .frame(minHeight: 44)
        }
        .accessibilityLabel(label)
        .accessibilityAddTraits(selected ? [.isButton, .isSelected] : .isButton)
        .accessibilityIdentifier(id)
    }
}

/// A yes/no option (a check row).
struct CheckRow: View {
    @Binding var on: Bool
    let label: String
    let id: String

    var body: some View {
        Toggle(isOn: $on) { Text(label).font(.body) }
            .accessibilityIdentifier(id)
    }
}

/// Work under way, announced by VoiceOver.
struct Busy: View {
    let text: String
    init(_ text: String) { self.text = text }

    var body: some View {
        HStack(spacing: 12) {
            ProgressView().accessibilityHidden(true)
            Text(text).font(.body)
        }
        .accessibilityElement(children: .combine)
        .accessibilityLabel(text.isEmpty ? tr("a11y_busy") : text)
        .accessibilityIdentifier(Tags.busy)
    }
}

/// A failure in the citizen's words.
struct ProblemText: View {
    let problem: Problem?

    var body: some View {
        if let problem {
            Label {
                Text(problem.text).font(.body)
            } icon: {
                Image(systemName: "exclamationmark.triangle.fill").accessibilityHidden(true)
            }
            .foregroundColor(.red)
            .accessibilityElement(children: .combine)
            .accessibilityLabel(tr("a11y_problem", problem.text))
            .accessibilityIdentifier(Tags.problem)
        }
    }
}

/// A labelled value (the review, a check's result).
struct Fact: View {
    let label: String
    let value: String
    init(_ label: String, _ value: String) {
        self.label = label
        self.value = value
    }

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            Text(label).font(.subheadline).foregroundColor(.secondary)
            Text(value).font(.body)
        }
        .accessibilityElement(children: .combine)
    }
}

/// What a key is for (authentication, signing), in the core's words, capitalized.
func purposeText(_ purpose: KeyPurpose) -> String {
    let text = keyPurposeText(purpose: purpose)
    return text.prefix(1).uppercased() + text.dropFirst()
}

/// A key as the core describes it: purpose, where it lives, holder, its status
/// in the core's words, its end date and serial. One VoiceOver element; a
/// button when `onTap` is given.
struct KeySummary: View {
    let key: CitizenKey
    var onTap: (() -> Void)?

    var body: some View {
        let card = VStack(alignment: .leading, spacing: 4) {
            Text(tr("key_title", purposeText(key.purpose), storageText(storage: key.storage))).font(.headline)
            Text(key.holder).font(.body)
            Text(keyStatusText(status: key.status)).font(.body).foregroundColor(.accentColor)
            Text(tr("key_valid_until", formatDate(key.notAfter))).font(.callout)
            Text(tr("key_serial", key.serial, key.algorithm)).font(.footnote).foregroundColor(.secondary)
        }
        .frame(maxWidth: .infinity, alignment: .leading)
        .padding()
        .background(RoundedRectangle(cornerRadius: 12).fill(Color(.secondarySystemBackground)))
        .accessibilityElement(children: .combine)
        .accessibilityIdentifier(Tags.keyPrefix + key.serial)

        if let onTap {
            Button(action: onTap) { card }.buttonStyle(.plain).accessibilityAddTraits(.isButton)
        } else {
            card
        }
    }
}

/// The keys to choose from for an action, or a line saying there is none.
struct KeyPicker: View {
    let keys: [CitizenKey]
    let title: String
    let onPick: (CitizenKey) -> Void

    var body: some View {
        SectionTitle(title)
        if keys.isEmpty {
            Text(tr("no_key_for_this")).font(.body)
        }
        ForEach(keys, id: \.serial) { key in
            KeySummary(key: key) { onPick(key) }
        }
    }
}
