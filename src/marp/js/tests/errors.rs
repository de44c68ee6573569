//! Files deck cannot read, limits, and input that must not make the reader panic or slow down.

use super::*;

#[test]
fn an_async_function_export_is_an_error() {
    let text = "export default async () => ({ html: true })\n";
    let e = fail(text);
    assert_eq!(
        e.message,
        "the config is computed by a function: deck does not run JavaScript"
    );
    assert_eq!(at(text, &e.span), "async () => ({ html: true })");
    let e = fail("module.exports = function () { return { html: true } }");
    assert!(e.message.contains("computed by a function"), "{e:?}");
    let e = fail("export default function config() { return {} }");
    assert!(e.message.contains("computed by a function"), "{e:?}");
    let e = fail("export default defineConfig(() => ({ html: true }))");
    assert!(e.message.contains("computed by a function"), "{e:?}");
    let e = fail("const config = async () => ({})\nexport default config\n");
    assert!(e.message.contains("computed by a function"), "{e:?}");
}

#[test]
fn other_computed_exports_are_errors() {
    let text = "import load from './load.js'\nexport default load('x')\n";
    let e = fail(text);
    assert_eq!(
        e.message,
        "the config is a call to `load`, not a literal object: deck does not run JavaScript"
    );
    assert_eq!(at(text, &e.span), "load('x')");
    let e = fail("module.exports = require('./base.config.js')");
    assert!(e.message.contains("`require('./base.config.js')`"), "{e:?}");
    let e = fail("export default class Config {}");
    assert!(e.message.contains("a class"), "{e:?}");
    let e = fail("export default ['a']");
    assert_eq!(e.message, "the exported config is an array, not an object");
    let e = fail("export default 'x'");
    assert_eq!(e.message, "the exported config is a string, not an object");
    let e = fail("export { default } from './base.mjs'");
    assert!(e.message.contains("re-exported from `./base.mjs`"), "{e:?}");
}

#[test]
fn no_export_is_an_error() {
    let e = fail("const config = { html: true }\n");
    assert_eq!(e.message, "no `export default` or `module.exports` found");
    assert_eq!(e.span, 0..0);
    assert_eq!(
        fail("").message,
        "no `export default` or `module.exports` found"
    );
    assert_eq!(
        fail("// just a comment").message,
        "no `export default` or `module.exports` found"
    );
}

#[test]
fn unterminated_input_is_an_error_with_a_span() {
    let text = "export default { theme: 'gaia }\n";
    let e = fail(text);
    assert!(e.message.contains("string is never closed"), "{e:?}");
    assert_eq!(at(text, &e.span), "'gaia }");
    let text = "export default {\n  theme: 'gaia',\n  options: { html: true }\n";
    let e = fail(text);
    assert!(e.message.contains("never closed"), "{e:?}");
    assert_eq!(at(text, &e.span), "{");
    assert_eq!(e.span.start, 15);
    let e = fail("export default { a: [1, 2 }");
    assert!(e.message.contains("unexpected `}`"), "{e:?}");
    let e = fail("module.exports = { a: 1 }}");
    assert!(e.message.contains("nothing to close"), "{e:?}");
    let e = fail("export default { a: `x${1}");
    assert!(
        e.message.contains("template string is never closed"),
        "{e:?}"
    );
    let e = fail("export default { a: 1 } /* no end");
    assert!(e.message.contains("comment is never closed"), "{e:?}");
    let e = fail("export default { a: 1 b: 2 }");
    assert!(e.message.contains("expected `,`"), "{e:?}");
    let e = fail("export default { a: }");
    assert!(e.message.contains("missing"), "{e:?}");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!(
        "export default {{ a: {}1{} }}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let e = fail(&deep);
    assert!(e.message.contains("more than 64 levels"), "{e:?}");
    let deep = format!(
        "export default {{ a: {}1{} }}",
        "(".repeat(50_000),
        ")".repeat(50_000)
    );
    assert!(fail(&deep).message.contains("levels"));
    let deep = format!("export default {{ a: {}1 }}", "- ".repeat(50_000));
    assert!(fail(&deep).message.contains("levels"));
    let mut objs = String::from("export default ");
    for _ in 0..10_000 {
        objs.push_str("{ a: ");
    }
    objs.push('1');
    for _ in 0..10_000 {
        objs.push_str(" }");
    }
    assert!(fail(&objs).message.contains("levels"));
    // Deep nesting inside a function that is skipped is fine.
    let skipped = format!(
        "export default {{ engine: () => {}1{}, html: true }}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_eq!(read(&skipped).value, json!({ "html": true }));
    // 60 levels are fine.
    let ok = format!(
        "export default {{ a: {}1{} }}",
        "[".repeat(60),
        "]".repeat(60)
    );
    assert!(read_config(&ok).is_ok());
}

#[test]
fn a_one_megabyte_config_is_fast() {
    let mut text = String::from("// big\nexport default {\n  themeSet: [\n");
    while text.len() < 1_000_000 {
        text.push_str("    './themes/some-theme-name.css', // a theme\n");
    }
    text.push_str("  ],\n  html: true,\n  engine: (m) => m,\n}\n");
    let start = std::time::Instant::now();
    let c = read(&text);
    assert!(start.elapsed().as_secs_f64() < 5.0, "{:?}", start.elapsed());
    assert!(c.value["themeSet"].as_array().unwrap().len() > 20_000);
    assert_eq!(c.value["html"], json!(true));
    // A long chain of `+` and of member accesses.
    let mut sum = String::from("export default { a: 'x'");
    for _ in 0..100_000 {
        sum.push_str(" + 'y'");
    }
    sum.push_str(", b: process");
    for _ in 0..100_000 {
        sum.push_str(".x");
    }
    sum.push_str(" }");
    let c = read(&sum);
    assert_eq!(c.value["a"].as_str().unwrap().len(), 100_001);
}

#[test]
fn repeated_constants_are_cut_off_not_slow() {
    let mut text = String::from("const a0 = 'xxxxxxxxxxxxxxxx'\n");
    for i in 1..12 {
        text.push_str(&format!(
            "const a{i} = [a{p}, a{p}, a{p}, a{p}, a{p}, a{p}, a{p}, a{p}]\n",
            p = i - 1
        ));
    }
    text.push_str("export default { a: a11 }\n");
    let start = std::time::Instant::now();
    let e = fail(&text);
    assert!(e.message.contains("repeats its constants"), "{e:?}");
    assert!(start.elapsed().as_secs_f64() < 10.0);
}

#[test]
fn byte_offsets_are_char_boundaries() {
    let text = "export default { 名前: 'ü', ß: `ø${'é'}`, bad: ñ() }";
    let c = read(text);
    for (_, sp) in &c.spans {
        assert!(text.get(sp.clone()).is_some());
    }
    for u in &c.unreadable {
        assert!(text.get(u.span.clone()).is_some());
    }
    assert_eq!(at(text, &c.unreadable[0].span), "ñ()");
    let e = fail("export default { a: '€");
    assert!(text.is_char_boundary(e.span.start));
}

#[test]
fn unexpected_characters_are_errors() {
    let e = fail("export default { a: 1 \\ }");
    assert!(e.message.contains("unexpected character"), "{e:?}");
    assert_eq!(e.span, 22..23);
}

/// Sample configs for the prefix test.
const SAMPLES: &[&str] = &[
    "// @ts-check\nimport { defineConfig } from '@marp-team/marp-cli'\nexport default defineConfig({\n  inputDir: './slides',\n  themeSet: ['./themes', `./x${1}`],\n  options: { headingDivider: [1, 2], markdown: { breaks: false } },\n  engine: ({ marp }) => marp.use(require('x'), /re}/g),\n})\n",
    "const path = require('path')\r\nmodule.exports = { ogImage: process.env.URL + '/og.png', themeSet: path.join(__dirname, 'themes'), 'ü': \"\\u00e9\\n\", n: -1.5e3, ...base }\r\nmodule.exports.x = 1\r\n",
    "import type { Config } from '@marp-team/marp-cli'\nconst t = 'gaia'\nconst config: Config = { theme: t, get g() { return 1 }, [k]: 2, a: [,,1], b: new URL('./a', import.meta.url).pathname } satisfies Config\nconfig.html = true\nexport default config\n/* end */",
];

#[test]
fn every_prefix_returns_without_panicking() {
    for sample in SAMPLES {
        assert!(read_config(sample).is_ok(), "{:?}", read_config(sample));
        for (i, _) in sample.char_indices().chain([(sample.len(), ' ')]) {
            let prefix = &sample[..i];
            match read_config(prefix) {
                Ok(c) => {
                    for (_, sp) in &c.spans {
                        assert!(prefix.get(sp.clone()).is_some());
                    }
                    for u in &c.unreadable {
                        assert!(prefix.get(u.span.clone()).is_some());
                    }
                }
                Err(e) => assert!(prefix.get(e.span.clone()).is_some(), "{e:?} in {prefix:?}"),
            }
            // Suffixes too: text starting in the middle of something.
            let _ = read_config(&sample[i..]);
        }
    }
}

#[test]
fn scrambled_input_never_panics() {
    let pieces = [
        "{", "}", "(", ")", "[", "]", "`", "${", "'", "\"", "/", "*", "\\", "=>", "...", ",", ":",
        "export", "default", "module", ".", "exports", "=", "const", "x", "1", "+", "\n", "import",
        "from", "async", "function", "new", "URL", "?", "<", ">", "#!", "//", "/*", "*/", "ü",
    ];
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..3000 {
        let mut text = String::from("export default { a: ");
        for _ in 0..(seed % 30) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            text.push(' ');
        }
        let _ = read_config(&text);
    }
}
