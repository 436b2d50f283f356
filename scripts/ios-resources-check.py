#!/usr/bin/env python3
"""Checks the iOS app's resources without Xcode (scripts/test.sh, stage "ios"):

- ios/project.yml is well-formed YAML and names the app's targets, packages
  and files that exist;
- Info.plist and the entitlements are well-formed plists with the keys the
  app needs (NFC, Face ID, the URL scheme, APNs, the keychain group);
- the string tables (ios/App/Resources/{en,kk,ru}.lproj/*.strings) parse as
  .strings files, have the same keys in every language, the same placeholders
  per key, and kk/ru are not English left untranslated;
- every key the Swift uses (tr("…"), Problem.app(key: "…")) is defined, and
  tr is given no key it cannot check.

Exits non-zero with one line per problem.
"""
import pathlib
import plistlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
IOS = ROOT / "ios"
LANGS = ("en", "kk", "ru")
problems = []


def problem(text):
    problems.append(text)


STRING_LINE = re.compile(r'^"((?:[^"\\]|\\.)+)"\s*=\s*"((?:[^"\\]|\\.)*)";\s*$')


def parse_strings(path):
    """A .strings file (UTF-8, one "key" = "value"; per line, /* */ comments)."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    table = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        match = STRING_LINE.match(line)
        if not match:
            problem(f"{path.relative_to(ROOT)}:{number}: not a \"key\" = \"value\"; line")
            continue
        key, value = match.groups()
        if key in table:
            problem(f"{path.relative_to(ROOT)}:{number}: key {key} twice")
        table[key] = value
    return table


PLACEHOLDER = re.compile(r"%(?:(\d+)\$)?(l{0,2}[@dDuUxXfeEgGcsSp])")


def placeholders(value):
    found = set()
    for index, (position, kind) in enumerate(PLACEHOLDER.findall(value.replace("%%", "")), 1):
        found.add((position or str(index), kind))
    return found


def check_strings():
    names = {}
    tables = {}
    for lang in LANGS:
        folder = IOS / "App" / "Resources" / f"{lang}.lproj"
        files = sorted(p.name for p in folder.glob("*.strings"))
        names[lang] = files
        for name in files:
            tables[(lang, name)] = parse_strings(folder / name)
    for lang in LANGS[1:]:
        if names[lang] != names["en"]:
            problem(f"{lang}.lproj has tables {names[lang]}, en.lproj {names['en']}")
    for name in names["en"]:
        en = tables[("en", name)]
        for lang in LANGS[1:]:
            other = tables.get((lang, name), {})
            for key in sorted(set(en) - set(other)):
                problem(f"{lang}.lproj/{name}: {key} missing")
            for key in sorted(set(other) - set(en)):
                problem(f"{lang}.lproj/{name}: {key} is not in en.lproj")
            for key in sorted(set(en) & set(other)):
                if placeholders(en[key]) != placeholders(other[key]):
                    problem(f"{lang}.lproj/{name}: {key} has placeholders {sorted(placeholders(other[key]))}, en {sorted(placeholders(en[key]))}")
                # kk and ru are written in Cyrillic: an English sentence left
                # untranslated has Latin letters only (names like iPhone aside).
                if len(re.findall(r"[A-Za-z]", en[key])) > 12 and not re.search(r"[\u0400-\u04FF]", other[key]) and not key.startswith("language_"):
                    problem(f"{lang}.lproj/{name}: {key} looks untranslated: {other[key]!r}")
    return tables.get(("en", "Localizable.strings"), {})


TR_CALL = re.compile(r"\btr\(")
APP_KEY = re.compile(r'\.app\(key:\s*("[^"]*"|[^)]*)\)')
# The one place tr takes a key that is not a literal: Problem.text, whose keys
# are the literals of Problem.app(key:) checked below.
DYNAMIC_ALLOWED = {"key", "_ key: String"}


def first_argument(source, start):
    """The text of the first argument of the call whose "(" is at start-1."""
    depth, i = 0, start
    while i < len(source):
        c = source[i]
        if c == '"':
            i = source.index('"', i + 1)
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return source[start:i]
            depth -= 1
        elif c == "," and depth == 0:
            return source[start:i]
        i += 1
    return source[start:]


def check_swift(defined):
    used = set()
    for path in sorted((IOS / "App").rglob("*.swift")):
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        for match in TR_CALL.finditer(source):
            argument = first_argument(source, match.end()).strip()
            keys = re.findall(r'"([^"]*)"', argument)
            if not keys:
                if argument not in DYNAMIC_ALLOWED:
                    problem(f"{where}: tr({argument}) takes a key this check cannot see: use a literal")
                continue
            used.update(keys)
        for match in APP_KEY.finditer(source):
            argument = match.group(1)
            keys = re.findall(r'"([^"]*)"', argument)
            if not keys:
                problem(f"{where}: .app(key: {argument}) takes a key this check cannot see")
            used.update(keys)
    for key in sorted(used - set(defined)):
        problem(f"ios/App: the key {key} is used but not in en.lproj/Localizable.strings")
    return used


def check_plists():
    support = IOS / "App" / "Support"
    try:
        info = plistlib.loads((support / "Info.plist").read_bytes())
        entitlements = plistlib.loads((support / "Qoltanba.entitlements").read_bytes())
    except Exception as error:  # plistlib raises several types for a bad file
        problem(f"ios/App/Support: a plist does not parse: {error}")
        return
    for key in ("NFCReaderUsageDescription", "NSFaceIDUsageDescription",
                "com.apple.developer.nfc.readersession.iso7816.select-identifiers",
                "CFBundleURLTypes", "UIBackgroundModes", "QoltanbaRaUrl", "QoltanbaRaRootDer"):
        if key not in info:
            problem(f"Info.plist: {key} missing")
    aids = info.get("com.apple.developer.nfc.readersession.iso7816.select-identifiers", [])
    # The reference card's AID, from the card crate itself (one home per concept).
    profile = (ROOT / "card" / "src" / "profile.rs").read_text(encoding="utf-8")
    match = re.search(r"REFERENCE_AID: &\[u8\] = &\[([^\]]*)\]", profile)
    if match:
        aid = "".join(f"{int(b, 16):02X}" for b in re.findall(r"0x([0-9A-Fa-f]{2})", match.group(1)))
        if aid not in aids:
            problem(f"Info.plist: the select identifiers {aids} lack the reference card's AID {aid}")
    else:
        problem("card/src/profile.rs: REFERENCE_AID not found")
    for aid in aids:
        if not re.fullmatch(r"(?:[0-9A-F]{2}){5,16}", aid):
            problem(f"Info.plist: select identifier {aid!r} is not 5 to 16 bytes of upper-case hex")
    schemes = [s for t in info.get("CFBundleURLTypes", []) for s in t.get("CFBundleURLSchemes", [])]
    if "qoltanba" not in schemes:
        problem("Info.plist: the URL scheme qoltanba is missing")
    if "remote-notification" not in info.get("UIBackgroundModes", []):
        problem("Info.plist: background mode remote-notification missing")
    if entitlements.get("com.apple.developer.nfc.readersession.formats") != ["TAG"]:
        problem("entitlements: NFC reader session formats must be [TAG]")
    if entitlements.get("aps-environment") not in ("development", "production"):
        problem("entitlements: aps-environment missing")
    if not entitlements.get("keychain-access-groups"):
        problem("entitlements: keychain-access-groups missing")
    infoplist_strings = parse_strings(IOS / "App" / "Resources" / "en.lproj" / "InfoPlist.strings")
    for key in ("NFCReaderUsageDescription", "NSFaceIDUsageDescription"):
        if key not in infoplist_strings:
            problem(f"en.lproj/InfoPlist.strings: {key} missing")


def check_project():
    try:
        spec = yaml.safe_load((IOS / "project.yml").read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        problem(f"ios/project.yml: not YAML: {error}")
        return
    targets = spec.get("targets", {})
    for name in ("Qoltanba", "QoltanbaTests", "QoltanbaUITests"):
        if name not in targets:
            problem(f"ios/project.yml: target {name} missing")
    app = targets.get("Qoltanba", {})
    settings = app.get("settings", {}).get("base", {})
    if settings.get("PRODUCT_BUNDLE_IDENTIFIER") != "kz.qoltanba.app":
        problem("ios/project.yml: the app's bundle id is not kz.qoltanba.app")
    if settings.get("PRODUCT_MODULE_NAME") in (None, "Qoltanba"):
        problem("ios/project.yml: the app's module must not be Qoltanba (the core's module)")
    for key in ("INFOPLIST_FILE", "CODE_SIGN_ENTITLEMENTS"):
        if not (IOS / str(settings.get(key, ""))).is_file():
            problem(f"ios/project.yml: {key} {settings.get(key)} is not a file")
    for name, package in spec.get("packages", {}).items():
        if not (IOS / package.get("path", "")).is_dir():
            # QoltanbaShell is another helper's; say so rather than fail before it lands.
            print(f"ios-resources-check: note: package {name} at ios/{package.get('path')} is not here yet", file=sys.stderr)
    for name, target in targets.items():
        for source in target.get("sources", []):
            path = source if isinstance(source, str) else source.get("path")
            optional = isinstance(source, dict) and source.get("optional")
            if not optional and not (IOS / path).exists():
                problem(f"ios/project.yml: target {name} source {path} does not exist")
    for config in spec.get("configFiles", {}).values():
        if not (IOS / config).is_file():
            problem(f"ios/project.yml: config file {config} does not exist")


def main():
    check_project()
    check_plists()
    defined = check_strings()
    used = check_swift(defined)
    if problems:
        for line in problems:
            print(f"ios-resources-check: {line}", file=sys.stderr)
        return 1
    unused = sorted(set(defined) - used)
    print(f"ios resources: project.yml, Info.plist, entitlements and {len(defined)} strings in {'/'.join(LANGS)} agree; "
          f"{len(used)} keys used by the Swift" + (f"; unused: {', '.join(unused)}" if unused else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
