//! Values worked out from the file: constants, paths, templates, spreads, changes, and what stays
//! unreadable.

use super::*;

#[test]
fn constants_are_resolved() {
    let text = "const themesDir = './themes'\nconst myTheme = \"gaia\"\nconst size = 2\nlet html = true\nvar opts = { breaks: false }\n\
            const theme = 'uncover'\nconst list = [themesDir, './x.css']\n\
            export default { theme: myTheme, themeSet: [themesDir], headingDivider: size, html, options: { markdown: opts }, list, t2: theme }\n";
    let c = read(text);
    assert_eq!(
        c.value,
        json!({ "theme": "gaia", "themeSet": ["./themes"], "headingDivider": 2, "html": true, "options": { "markdown": { "breaks": false } }, "list": ["./themes", "./x.css"], "t2": "uncover" })
    );
    assert_eq!(at(text, span_of(&c, "options.markdown.breaks")), "breaks");
    let c = read("export default { theme, html: x }\nconst theme = 'a'");
    assert_eq!(
        unread(&c),
        [
            ("theme", "a variable (`theme`) used before it is set"),
            ("html", "a variable (`x`) deck cannot read")
        ]
    );
}

#[test]
fn unreadable_variables_say_why() {
    let text = "import fs from 'fs'\nimport base from './base.mjs'\nconst themes = fs.readdirSync('./themes')\nfunction engine(m) { return m }\n\
            export default { themeSet: themes, engine, theme: base.theme, x: unknownThing }\n";
    let c = read(text);
    assert_eq!(c.value, json!({}));
    assert_eq!(
        unread(&c),
        [
            (
                "themeSet",
                "a variable (`themes`) set to a call to `fs.readdirSync`"
            ),
            ("engine", "a variable (`engine`) set to a function"),
            ("theme", "a variable (`base`) imported from `./base.mjs`"),
            ("x", "a variable (`unknownThing`) deck cannot read"),
        ]
    );
    assert_eq!(at(text, &c.unreadable[0].span), "themes");
}

#[test]
fn values_deck_cannot_read() {
    let text = r#"export default {
  a: process.env.NODE_ENV === 'production',
  b: x ? 1 : 2,
  c: y || 'z',
  d: /ab+c/i,
  e: await load(),
  f: new Date(),
  g: `v${version}`,
  h(m) { return m },
  get i() { return 1 },
  async j() {},
  k: function () {},
  l: class {},
  m: 'a' * 2,
  n: String.raw`x`,
  o: !0,
  p: typeof x,
  q: import('x'),
  keep: 'yes',
}"#;
    let c = read(text);
    assert_eq!(c.value, json!({ "keep": "yes" }));
    assert_eq!(
        unread(&c),
        [
            ("a", "an expression with `===`"),
            ("b", "a conditional (`? :`) expression"),
            ("c", "a `||` expression"),
            ("d", "a regular expression"),
            ("e", "an `await` expression"),
            ("f", "a `new Date(...)` expression"),
            (
                "g",
                "a template string with `${...}` (a variable (`version`) deck cannot read)"
            ),
            ("h", "a function"),
            ("i", "a getter"),
            ("j", "an async function"),
            ("k", "a function"),
            ("l", "a class"),
            ("m", "an expression with `*`"),
            ("n", "a tagged template"),
            ("o", "a `!` expression"),
            ("p", "a `typeof` expression"),
            ("q", "a dynamic `import()`"),
        ]
    );
    assert_eq!(
        at(text, &c.unreadable[0].span),
        "process.env.NODE_ENV === 'production'"
    );
    assert_eq!(at(text, &c.unreadable[7].span), "h(m) { return m }");
}

#[test]
fn templates_and_concatenation() {
    let c = read(
        "const dir = 'themes'\nconst n = 2\nexport default { a: `plain`, b: `${dir}/a.css`, c: dir + '/' + n, d: 1 + 2 + 'x', e: `${n + 1}${true}`, f: __dirname + '/t', g: `${__dirname}/x` }",
    );
    assert_eq!(
        c.value,
        json!({ "a": "plain", "b": "themes/a.css", "c": "themes/2", "d": "3x", "e": "3true", "f": "./t", "g": "./x" })
    );
    let c = read("export default { a: 'x' + [1], b: 1 + true }");
    assert_eq!(
        unread(&c),
        [
            ("a", "a `+` of a string and an array"),
            ("b", "a `+` of a number and a boolean")
        ]
    );
}

#[test]
fn paths() {
    let text = "import path from 'node:path'\nimport { join, resolve as res } from 'path'\nimport { fileURLToPath } from 'node:url'\n\
            const __dirname = path.dirname(fileURLToPath(import.meta.url))\n\
            export default {\n  a: path.join(__dirname, 'themes'),\n  b: path.resolve(__dirname, 'a', '../b'),\n  c: join(__dirname, 'x', 'y/'),\n\
              d: res('themes'),\n  e: path.resolve(__dirname, '..', 'x'),\n  f: new URL('./themes', import.meta.url).pathname,\n\
              g: fileURLToPath(new URL('./x', import.meta.url)),\n  h: path.join(process.cwd(), 'slides'),\n  i: path.join('a', 'b'),\n\
              j: path.resolve('/abs', 'x'),\n  k: import.meta.dirname,\n  l: path.join(import.meta.dirname, 'q'),\n  m: __dirname,\n\
              n: fileURLToPath(new URL('.', import.meta.url)),\n  o: path.posix.join(__dirname, 't'),\n  p: new URL('../up', import.meta.url).pathname,\n\
              q: path.join(__filename, '..', 'z'),\n  r: path.join(__filename),\n}\n";
    let c = read(text);
    assert_eq!(
        c.value,
        json!({ "a": "./themes", "b": "./b", "c": "./x/y/", "d": "./themes", "f": "./themes", "g": "./x", "h": "./slides", "i": "a/b", "j": "/abs/x", "k": ".", "l": "./q", "m": ".", "n": "./", "o": "./t", "q": "./z" })
    );
    assert_eq!(
        unread(&c),
        [
            ("e", "a path outside the config folder (`../x`)"),
            ("p", "a path outside the config folder (`../up`)"),
            ("r", "a path made from the config file's own path"),
        ]
    );
    // `join`/`resolve` that are not from `path` are ordinary calls.
    let c = read("import { join } from './utils.js'\nexport default { a: join('a') }");
    assert_eq!(unread(&c), [("a", "a call to `join`")]);
    let c =
        read("const { join } = require('node:path')\nexport default { a: join(__dirname, 'b') }");
    assert_eq!(c.value, json!({ "a": "./b" }));
    let c = read(
        "const p = require('path')\nexport default { a: p.resolve(__dirname, process.env.DIR) }",
    );
    assert_eq!(
        unread(&c),
        [(
            "a",
            "a call to `p.resolve` with an environment variable (`process.env.DIR`)"
        )]
    );
}

#[test]
fn spreads() {
    let text = "const base = { theme: 'gaia', html: false }\nconst more = ['./b.css']\nimport shared from './shared.mjs'\n\
            export default { ...base, html: true, themeSet: ['./a.css', ...more], options: { ...shared, x: 1 }, ...other }\n";
    let c = read(text);
    assert_eq!(
        c.value,
        json!({ "theme": "gaia", "html": true, "themeSet": ["./a.css", "./b.css"], "options": { "x": 1 } })
    );
    assert_eq!(
        unread(&c),
        [
            (
                "options",
                "a spread (`...shared`) of a variable (`shared`) imported from `./shared.mjs`"
            ),
            (
                "...",
                "a spread (`...other`) of a variable (`other`) deck cannot read"
            ),
        ]
    );
    let c = read("export default { themeSet: ['./a.css', ...themes] }");
    assert_eq!(c.value, json!({}));
    assert_eq!(
        unread(&c),
        [(
            "themeSet",
            "a spread (`...themes`) of a variable (`themes`) deck cannot read"
        )]
    );
}

#[test]
fn an_unreadable_array_item_drops_the_array() {
    let text = "export default { themeSet: ['./a.css', getTheme(), './c.css'], list: [[1, x]] }";
    let c = read(text);
    assert_eq!(c.value, json!({}));
    assert_eq!(
        unread(&c),
        [
            ("themeSet.1", "a call to `getTheme`"),
            ("list.0.1", "a variable (`x`) deck cannot read")
        ]
    );
    assert_eq!(at(text, &c.unreadable[0].span), "getTheme()");
    let c = read("export default { a: [{ b: 1, c: f() }] }");
    assert_eq!(c.value, json!({ "a": [{ "b": 1 }] }));
    assert_eq!(unread(&c), [("a.0.c", "a call to `f`")]);
}

#[test]
fn changes_to_the_config_object() {
    let text = "const config = { options: {}, themeSet: ['./a'] }\nconfig.html = true\nconfig.options.headingDivider = 2\n\
            config['lang'] = 'en'\nconfig.themeSet.push('./b')\nconfig[key] = 1\nconfig.missing.x = 1\nexport default config\nconfig.after = 'yes'\n";
    let c = read(text);
    assert_eq!(
        c.value,
        json!({ "options": { "headingDivider": 2 }, "themeSet": ["./a"], "html": true, "lang": "en", "after": "yes" })
    );
    assert_eq!(
        unread(&c),
        [
            (
                "themeSet",
                "changed by code deck does not run (`config.themeSet.push('./b')`)"
            ),
            (
                "...",
                "changed by code deck does not run (`config[key] = 1`)"
            ),
            ("missing.x", "a change to a value deck cannot read"),
        ]
    );
    let c = read("const c = { base: 'x' }\nc.other = c.base + '!'\nexport default c\n");
    assert_eq!(c.value, json!({ "base": "x", "other": "x!" }));
    let c = read("const list = ['a']\nlist.push('b')\nexport default { list }\n");
    assert_eq!(
        unread(&c),
        [(
            "list",
            "a variable (`list`) changed by code deck does not run"
        )]
    );
    let c = read("let theme = 'a'\ntheme = 'b'\nexport default { theme }\n");
    assert_eq!(c.value, json!({ "theme": "b" }));
    let c = read("let theme = 'a'\nexport default { theme }\ntheme = 'b'\n");
    assert_eq!(c.value, json!({ "theme": "a" }));
}

#[test]
fn methods_and_arrow_forms_are_functions() {
    let c = read(
        "export default { engine: async ({ marp }) => marp, a: x => x, b: async x => x, c: function* () {}, *d() {}, e: (x): string => x, f() {}, 'g'() {}, [h]() {}, async *i() {}, set j(v) {} }",
    );
    assert_eq!(c.value, json!({}));
    let whys: Vec<_> = unread(&c).into_iter().map(|(_, w)| w).collect();
    assert_eq!(
        whys,
        [
            "an async function",
            "a function",
            "an async function",
            "a function",
            "a generator function",
            "a function",
            "a function",
            "a function",
            "a computed key (a variable (`h`) deck cannot read)",
            "an async function",
            "a setter"
        ]
    );
}

#[test]
fn member_access_on_constants() {
    let c = read(
        "const base = { theme: 'gaia', list: ['a', 'b'], nested: { x: 1 } }\nexport default { theme: base.theme, second: base.list[1], x: base['nested'].x, n: base.list.length, none: base.nope }",
    );
    assert_eq!(
        c.value,
        json!({ "theme": "gaia", "second": "b", "x": 1, "n": 2 })
    );
}

#[test]
fn object_assign_and_freeze() {
    let c = read(
        "const base = { theme: 'gaia', html: false }\nmodule.exports = Object.assign({}, base, { html: true }, extra)\n",
    );
    assert_eq!(c.value, json!({ "theme": "gaia", "html": true }));
    assert_eq!(
        unread(&c),
        [(
            "...",
            "merged by `Object.assign` from a variable (`extra`) deck cannot read"
        )]
    );
    let c = read(
        "const config = { a: 1 }\nObject.assign(config, { b: 2 })\nexport default Object.freeze(config)\n",
    );
    assert_eq!(c.value, json!({ "a": 1, "b": 2 }));
    let c = read("Object.assign(module.exports, { html: true, pdf: false })\n");
    assert_eq!(c.value, json!({ "html": true, "pdf": false }));
}

#[test]
fn calls_that_change_nothing_are_ignored() {
    let c = read(
        "const config = { themeSet: ['./a'] }\nconsole.log(config)\nconfig.themeSet.forEach((t) => console.log(t))\npath.join('a')\nexport default config\n",
    );
    assert_eq!(c.value, json!({ "themeSet": ["./a"] }));
    assert!(c.unreadable.is_empty());
}
