//! Literals: strings, numbers, keys, and the spans recorded for them.

use super::*;

#[test]
fn unicode_and_crlf() {
    let text = "// スライド設定 🎉\r\nmodule.exports = {\r\n  title: 'プレゼン 🎤',\r\n  /* 著者 */ author: \"Zoë\",\r\n  lang: `ja`,\r\n  description: 'a\\\r\nb',\r\n}\r\n";
    let c = read(text);
    assert_eq!(
        c.value,
        json!({ "title": "プレゼン 🎤", "author": "Zoë", "lang": "ja", "description": "ab" })
    );
    assert_eq!(at(text, span_of(&c, "author")), "author");
    let c = read("export default { t: `a\r\nb`, \u{feff}x: 1, ünï: 2 }");
    assert_eq!(c.value, json!({ "t": "a\nb", "x": 1, "ünï": 2 }));
}

#[test]
fn string_escapes() {
    let c = read(
        r#"export default { a: 'it\'s', b: "q\"q", c: 'tab\there\nnl', d: '\u00e9\u{1F600}\x41', e: '\\', f: '\uD83D\uDE00', g: '\0', h: '\q', i: '\101' }"#,
    );
    assert_eq!(
        c.value,
        json!({ "a": "it's", "b": "q\"q", "c": "tab\there\nnl", "d": "é😀A", "e": "\\", "f": "😀", "g": "\0", "h": "q", "i": "A" })
    );
    let e = fail(r"export default { a: '\x4' }");
    assert!(e.message.contains("two hex digits"), "{e:?}");
    let e = fail(r"export default { a: '\u{110000}' }");
    assert!(e.message.contains("U+10FFFF"), "{e:?}");
}

#[test]
fn numbers() {
    let c = read(
        "export default { a: 1, b: -2, c: 1.5, d: 1e3, e: 0x1F, f: 1_000_000, g: .5, h: -0.25e-2, i: 0b101, j: 0o17, k: +3, l: 5., m: 010 }",
    );
    assert_eq!(
        c.value,
        json!({ "a": 1, "b": -2, "c": 1.5, "d": 1000, "e": 31, "f": 1_000_000, "g": 0.5, "h": -0.0025, "i": 5, "j": 15, "k": 3, "l": 5, "m": 8 })
    );
    let c = read("export default { big: 10n, inf: 1e999, nan: NaN }");
    assert_eq!(c.value, json!({}));
    assert_eq!(
        unread(&c),
        [
            ("big", "a BigInt number"),
            ("inf", "a number JSON cannot hold"),
            ("nan", "`NaN`, which JSON cannot hold")
        ]
    );
    assert!(
        fail("export default { a: 3in }")
            .message
            .contains("invalid number")
    );
}

#[test]
fn keys_of_every_kind() {
    let c = read(
        "export default { plain: 1, 'single-quoted': 2, \"double\": 3, 42: 4, 1.5: 5, default: 6, ['computed']: 7, [`tpl`]: 8, }",
    );
    assert_eq!(
        c.value,
        json!({ "plain": 1, "single-quoted": 2, "double": 3, "42": 4, "1.5": 5, "default": 6, "computed": 7, "tpl": 8 })
    );
    let c = read("const k = 'theme'\nexport default { [k]: 'gaia', [dyn]: 1, [a + b]: 2 }");
    assert_eq!(c.value, json!({ "theme": "gaia" }));
    assert_eq!(
        unread(&c),
        [
            (
                "[dyn]",
                "a computed key (a variable (`dyn`) deck cannot read)"
            ),
            (
                "[a + b]",
                "a computed key (a variable (`a`) deck cannot read)"
            )
        ]
    );
}

#[test]
fn duplicate_keys_keep_the_first_position_and_last_value() {
    let c = read("export default { a: 1, b: 2, a: 3, c: foo(), c: 4, d: 5, d: bar() }");
    assert_eq!(c.value, json!({ "a": 3, "b": 2, "c": 4 }));
    let keys: Vec<_> = c.value.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["a", "b", "c"]);
    assert_eq!(unread(&c), [("d", "a call to `bar`")]);
}

#[test]
fn undefined_means_absent() {
    let c = read("export default { a: undefined, b: 1, c: [undefined, , 2], d: void 0 }");
    assert_eq!(c.value, json!({ "b": 1, "c": [null, null, 2] }));
    assert_eq!(unread(&c), [("d", "a `void` expression")]);
}

#[test]
fn spans_name_every_key_read() {
    let text =
        "export default {\n  a: 1,\n  'b-c': { d: [true, { e: null }] },\n  f,\n}\nconst f = 2\n";
    let c = read(text);
    let keys: Vec<_> = c.spans.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["a", "b-c", "b-c.d", "b-c.d.0", "b-c.d.1", "b-c.d.1.e"]
    );
    assert_eq!(at(text, span_of(&c, "b-c")), "'b-c'");
    assert_eq!(at(text, span_of(&c, "b-c.d.1")), "{ e: null }");
    assert_eq!(
        unread(&c),
        [("f", "a variable (`f`) used before it is set")]
    );
    assert_eq!(at(text, &c.unreadable[0].span), "f");
}
