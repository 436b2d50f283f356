#!/usr/bin/env python3
"""Checks the Android app's resources without the Android SDK (no aapt2 here).

    scripts/android-resources-check.py [android/]

- every XML file of the modules' manifests and res/ is well-formed;
- res/values, values-kk and values-ru define the same strings (a
  translatable="false" string only in values/), with the same format
  placeholders (%1$s, %2$d: String.format would throw on a mismatch), and the
  Kazakh and Russian ones are translations, not the English left in place;
- every R.string.NAME the app's Kotlin uses (main and androidTest) is defined,
  and every string defined is used (by Kotlin or by XML);
- every @string/, @xml/, @drawable/, @mipmap/, @color/ and @style/ reference
  in the manifest and res/ resolves to a resource of the app (framework ones,
  @android:..., are not checked).

Prints one line per problem and exits 1 if there is any.
"""
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

ANDROID_NS = "{http://schemas.android.com/apk/res/android}"
LOCALES = ["values", "values-kk", "values-ru"]
PLACEHOLDER = re.compile(r"%(\d+\$)?[-#+ 0,(]*\d*(\.\d+)?[sdfxX%]")
# Words that stay the same in Kazakh and Russian (acronyms, the product).
SAME_EVERYWHERE = re.compile(r"\b(PIN|PUK|CAN|NFC|SMS|USB|IIN|E-mail|e-mail|qoltanba)\b")
REFERENCE = re.compile(r"@(string|xml|drawable|mipmap|color|style)/([A-Za-z0-9_.]+)")

problems = []


def problem(path, message):
    problems.append(f"{path}: {message}")


def parse(path):
    try:
        return ET.parse(path)
    except ET.ParseError as e:
        problem(path, f"not well-formed XML: {e}")
        return None


def strings_of(path):
    """name -> (text, translatable) of a strings.xml."""
    tree = parse(path)
    if tree is None:
        return {}
    found = {}
    for element in tree.getroot():
        if element.tag != "string":
            continue
        name = element.get("name")
        if name in found:
            problem(path, f"string {name} is defined twice")
        text = "".join(element.itertext())
        found[name] = (text, element.get("translatable", "true") != "false")
    return found


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent / "android")
    app = root / "app" / "src"
    res = app / "main" / "res"
    if not res.is_dir():
        print(f"error: no {res}", file=sys.stderr)
        return 1

    # Well-formed: every manifest and resource XML of every module.
    xml_files = sorted(root.glob("*/src/*/AndroidManifest.xml")) + sorted(root.glob("*/src/*/res/**/*.xml"))
    for path in xml_files:
        parse(path)

    # The same strings in the three languages.
    per_locale = {locale: strings_of(res / locale / "strings.xml") for locale in LOCALES}
    default = per_locale["values"]
    translatable = {name for name, (_, t) in default.items() if t}
    for locale in LOCALES[1:]:
        path = res / locale / "strings.xml"
        names = set(per_locale[locale])
        for name in sorted(translatable - names):
            problem(path, f"string {name} is missing (it is in values/)")
        for name in sorted(names - set(default)):
            problem(path, f"string {name} is not in values/")
        for name in sorted(names & (set(default) - translatable)):
            problem(path, f"string {name} is translatable=\"false\" in values/ and must not be translated")
        for name in sorted(names & translatable):
            english = default[name][0]
            text = per_locale[locale][name][0]
            want = sorted(m.group(0) for m in PLACEHOLDER.finditer(english))
            got = sorted(m.group(0) for m in PLACEHOLDER.finditer(text))
            if want != got:
                problem(path, f"string {name} has placeholders {got}, values/ has {want}")
            if text == english and re.search(r"[A-Za-z]{4,}", SAME_EVERYWHERE.sub("", english)):
                problem(path, f"string {name} is the English text, not a translation")
            if re.search(r"[A-Za-z]{4,}", SAME_EVERYWHERE.sub("", PLACEHOLDER.sub("", text))):
                problem(path, f"string {name} has Latin words in a Cyrillic translation: {text!r}")

    # R.string names used by the Kotlin exist; every string is used.
    kotlin = [p for p in app.rglob("*.kt")]
    used = set()
    for path in kotlin:
        for name in re.findall(r"\bR\.string\.([A-Za-z0-9_]+)", path.read_text(encoding="utf-8")):
            used.add(name)
            if name not in default:
                problem(path, f"R.string.{name} is not defined in values/strings.xml")

    # References in XML resolve.
    defined = {"string": set(default)}
    for kind in ("xml", "drawable", "mipmap"):
        defined[kind] = {p.stem for p in res.glob(f"{kind}*/*.xml")} | {p.stem for p in res.glob(f"{kind}*/*.png")}
    defined["color"] = set()
    defined["style"] = set()
    for path in res.glob("values*/*.xml"):
        tree = ET.parse(path) if path.exists() else None
        if tree is None:
            continue
        for element in tree.getroot():
            if element.tag == "color":
                defined["color"].add(element.get("name"))
            elif element.tag == "style":
                defined["style"].add(element.get("name"))
    for path in [app / "main" / "AndroidManifest.xml"] + sorted(res.glob("**/*.xml")):
        text = path.read_text(encoding="utf-8")
        for kind, name in REFERENCE.findall(text):
            if kind == "string":
                used.add(name)
            if name not in defined[kind]:
                problem(path, f"@{kind}/{name} is not defined")

    for name in sorted(set(default) - used):
        problem(res / "values" / "strings.xml", f"string {name} is never used")

    for line in problems:
        print(f"error: {line}")
    if problems:
        return 1
    print(
        f"android resources: {len(xml_files)} XML files well-formed; {len(default)} strings in "
        f"{', '.join(LOCALES)} ({len(translatable)} translated); {len(used)} used, all defined"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
