//! Whole config files: export shapes, CommonJS, TypeScript and the statements deck skips.

use super::*;

#[test]
fn reads_the_brief_example() {
    let text = r#"// @ts-check
import { defineConfig } from '@marp-team/marp-cli'
export default defineConfig({
  inputDir: './slides',
  output: './public',
  themeSet: ['./themes', './extra.css'],
  html: true,
  options: { headingDivider: [1, 2], looseYAML: false, markdown: { breaks: false } },
  engine: ({ marp }) => marp.use(require('markdown-it-container'), 'note'),
})
"#;
    let c = read(text);
    assert_eq!(
        c.value,
        json!({
            "inputDir": "./slides",
            "output": "./public",
            "themeSet": ["./themes", "./extra.css"],
            "html": true,
            "options": { "headingDivider": [1, 2], "looseYAML": false, "markdown": { "breaks": false } },
        })
    );
    let keys: Vec<_> = c.value.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["inputDir", "output", "themeSet", "html", "options"]);
    assert_eq!(unread(&c), [("engine", "a function")]);
    let engine = &c.unreadable[0].span;
    assert_eq!(
        at(text, engine),
        "({ marp }) => marp.use(require('markdown-it-container'), 'note')"
    );
    assert_eq!(
        at(text, span_of(&c, "options.headingDivider")),
        "headingDivider"
    );
    assert_eq!(at(text, span_of(&c, "themeSet.1")), "'./extra.css'");
    assert_eq!(at(text, span_of(&c, "options.markdown.breaks")), "breaks");
}

#[test]
fn reads_commonjs_with_env_and_path_join() {
    let text = "const path = require('path')\n\
            module.exports = { allowLocalFiles: true, ogImage: process.env.URL + '/og.png', \
            themeSet: path.join(__dirname, 'themes'), pdf: true, bespoke: { progress: true } }\n";
    let c = read(text);
    assert_eq!(
        c.value,
        json!({ "allowLocalFiles": true, "themeSet": "./themes", "pdf": true, "bespoke": { "progress": true } })
    );
    assert_eq!(
        unread(&c),
        [("ogImage", "an environment variable (`process.env.URL`)")]
    );
    assert_eq!(
        at(text, &c.unreadable[0].span),
        "process.env.URL + '/og.png'"
    );
}

#[test]
fn reads_typescript_with_satisfies_and_as() {
    let c = read(
        "import type { Config } from '@marp-team/marp-cli'\n\
             export default {\n  theme: 'gaia',\n  html: true as boolean,\n} satisfies Config\n",
    );
    assert_eq!(c.value, json!({ "theme": "gaia", "html": true }));
    let c = read(
        "import { Config } from '@marp-team/marp-cli';\nexport default { pdf: true } as Config;\n",
    );
    assert_eq!(c.value, json!({ "pdf": true }));
    let c = read("export default { pdf: true } as const satisfies Record<string, unknown>\n");
    assert_eq!(c.value, json!({ "pdf": true }));
}

#[test]
fn reads_a_typed_const_and_generic_define_config() {
    let c = read(
        "import type { Config } from '@marp-team/marp-cli'\n\
             const config: Config = { lang: 'en', options: { looseYAML: true } }\n\
             export default config\n",
    );
    assert_eq!(
        c.value,
        json!({ "lang": "en", "options": { "looseYAML": true } })
    );
    let c = read(
        "import { defineConfig, type Config } from '@marp-team/marp-cli'\n\
             export default defineConfig<Config>({ lang: 'ja' })\n",
    );
    assert_eq!(c.value, json!({ "lang": "ja" }));
}

#[test]
fn reads_const_config_export_default() {
    let c = read(
        "/** @type {import('@marp-team/marp-cli').Config} */\n\
             const config = {\n  allowLocalFiles: true,\n  theme: 'kanpro.css',\n  options: { headingDivider: 1 },\n}\n\nexport default config\n",
    );
    assert_eq!(
        c.value,
        json!({ "allowLocalFiles": true, "theme": "kanpro.css", "options": { "headingDivider": 1 } })
    );
    assert!(c.unreadable.is_empty());
}

#[test]
fn commonjs_forms() {
    let c = read("exports.default = { html: true }");
    assert_eq!(c.value, json!({ "html": true }));
    let c = read("module.exports.default = { html: true }");
    assert_eq!(c.value, json!({ "html": true }));
    let c = read(
        "'use strict'\nconst { defineConfig } = require('@marp-team/marp-cli')\nmodule.exports = defineConfig({ pdf: true });\n",
    );
    assert_eq!(c.value, json!({ "pdf": true }));
    let c = read("module.exports = { a: 1 }\nmodule.exports.b = 2\nmodule.exports.c = f()\n");
    assert_eq!(c.value, json!({ "a": 1, "b": 2 }));
    assert_eq!(unread(&c), [("c", "a call to `f`")]);
    let c = read("exports.theme = 'gaia'\nexports.html = true\n");
    assert_eq!(c.value, json!({ "theme": "gaia", "html": true }));
    let c = read("const config = { a: 1 }\nmodule.exports = config\n");
    assert_eq!(c.value, json!({ "a": 1 }));
    let c = read("import config from './x'\nexport = { html: true }\n");
    assert_eq!(c.value, json!({ "html": true }));
    let c = read("const config = { a: 1 }\nexport { config as default }\n");
    assert_eq!(c.value, json!({ "a": 1 }));
}

#[test]
fn skips_imports_requires_and_other_statements() {
    let text = r#"#!/usr/bin/env node
'use strict';
import 'dotenv/config'
import * as fs from 'node:fs'
import data from './data.json' with { type: 'json' }
import marp, { something as other } from "@marp-team/marp-core"
const container = require('markdown-it-container')
const { a, b: [c] } = require('x'), z = 3
if (process.env.CI) {
  console.log('ci')
} else { console.log("local") }
for (const x of [1, 2]) console.log(x)
function helper() { return /}/ }
class Helper { m() { return `}` } }
type T = { a: string }
interface I { b: number }
console.log(`${1}`)
export default {
  html: true, z,
}
"#;
    let c = read(text);
    assert_eq!(c.value, json!({ "html": true, "z": 3 }));
}

#[test]
fn asi_without_semicolons() {
    let c = read("const a = 'x'\nconst b = a\n+ 'y'\nexport default { b }\nconsole.log(b)\n");
    assert_eq!(c.value, json!({ "b": "xy" }));
    let c = read("let x\nconst y = 1\nexport default { x, y }");
    assert_eq!(c.value, json!({ "y": 1 }));
    let c = read("let x: number\nconst y = 1\nexport default { y }");
    assert_eq!(c.value, json!({ "y": 1 }));
}

#[test]
fn comments_everywhere() {
    let c = read(
        "/* a */ export /* b */ default /* c */ { // d\n  theme /* e */ : /* f */ 'gaia' /* g */, // h\n  /** i */ html: true\n} // j",
    );
    assert_eq!(c.value, json!({ "theme": "gaia", "html": true }));
}

#[test]
fn regex_and_division_in_skipped_code() {
    let c = read(
        "export default {\n  engine: (m) => m.replace(/[/}]/g, '}').split(1 / 2),\n  theme: 'a',\n  x: a / b / c,\n}",
    );
    assert_eq!(c.value, json!({ "theme": "a" }));
    assert_eq!(
        unread(&c),
        [("engine", "a function"), ("x", "an expression with `/`")]
    );
}

#[test]
fn realistic_configs() {
    // CommonJS with a markdown-it plugin (a common pattern).
    let c = read(
        "module.exports = {\n    inputDir: './slides',\n    engine: ({ marp }) => marp.use(require('@kazumatu981/markdown-it-kroki'), {\n        entrypoint: \"http://localhost:8000\",\n    })\n}\n",
    );
    assert_eq!(c.value, json!({ "inputDir": "./slides" }));
    assert_eq!(unread(&c), [("engine", "a function")]);
    // A TypeScript config with every common option.
    let c = read(
        r#"import { defineConfig } from "@marp-team/marp-cli";

export default defineConfig({
  theme: "dist/index.css",
  lang: "ja-JP",
  html: true,
  allowLocalFiles: true,
  template: "bespoke",
  ogImage: "https://avatars.githubusercontent.com/u/44566328",
  inputDir: "examples",
  output: "dist",
  author: "Omochice",
  pdfOutlines: { pages: true, headings: false },
  browser: ["chrome", "firefox"],
  browserTimeout: 30,
  imageScale: 2,
});
"#,
    );
    assert_eq!(c.value["lang"], json!("ja-JP"));
    assert_eq!(
        c.value["pdfOutlines"],
        json!({ "pages": true, "headings": false })
    );
    assert_eq!(c.value.as_object().unwrap().len(), 13);
    assert!(c.unreadable.is_empty());
    // A JSDoc cast around the object.
    let c = read(
        "// .marprc.cjs\n'use strict'\n\nmodule.exports = /** @type {import('@marp-team/marp-cli').Config} */ ({\n  html: true,\n  themeSet: ['themes'],\n});\n",
    );
    assert_eq!(c.value, json!({ "html": true, "themeSet": ["themes"] }));
    // An ESM config that finds its own folder.
    let c = read(
        r#"import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import markdownItContainer from 'markdown-it-container'

const __filename = fileURLToPath(import.meta.url)
const __dirname = dirname(__filename)

/** @type {import('@marp-team/marp-cli').Config} */
export default {
  themeSet: [join(__dirname, 'themes'), join(__dirname, 'node_modules/x/theme.css')],
  inputDir: join(__dirname, 'slides'),
  output: process.env.OUT_DIR ?? join(__dirname, 'dist'),
  engine: ({ marp }) => marp.use(markdownItContainer, 'columns'),
  server: true,
  watch: false,
}
"#,
    );
    assert_eq!(
        c.value,
        json!({ "themeSet": ["./themes", "./node_modules/x/theme.css"], "inputDir": "./slides", "server": true, "watch": false })
    );
    assert_eq!(
        unread(&c),
        [("output", "a `??` expression"), ("engine", "a function")]
    );
    // Shared options spread from a readable constant, with a plugin list.
    let c = read(
        "const shared = { html: true, options: { looseYAML: false } }\nconst plugins = [require('markdown-it-mark')]\nmodule.exports = { ...shared, plugins, pdf: process.argv.includes('--pdf') }\n",
    );
    assert_eq!(
        c.value,
        json!({ "html": true, "options": { "looseYAML": false } })
    );
    assert_eq!(
        unread(&c),
        [
            ("plugins.0", "a `require('markdown-it-mark')`"),
            ("pdf", "a call to `process.argv.includes`")
        ]
    );
}

#[test]
fn spread_of_require_and_reexports() {
    let c = read("module.exports = { ...require('./base.config.cjs'), html: true }");
    assert_eq!(c.value, json!({ "html": true }));
    assert_eq!(
        unread(&c),
        [(
            "...",
            "a spread (`...require('./base.config.cjs')`) of a `require('./base.config.cjs')`"
        )]
    );
}

#[test]
fn more_export_shapes() {
    let c = read("const config = { theme: 'a' } satisfies Config;\rexport default config;\r");
    assert_eq!(c.value, json!({ "theme": "a" }));
    let c = read(
        "import marp from '@marp-team/marp-cli'\nexport default marp.defineConfig({ pdf: true })",
    );
    assert_eq!(c.value, json!({ "pdf": true }));
    let c = read("export default (({ html: true }))");
    assert_eq!(c.value, json!({ "html": true }));
    let text = "export default defineConfig({ a: 1 }, { b: 2 })";
    let e = fail(text);
    assert!(e.message.contains("without one config object"), "{e:?}");
    assert_eq!(at(text, &e.span), "defineConfig({ a: 1 }, { b: 2 })");
    let e = fail("import base from './base.mjs'\nexport default base\n");
    assert_eq!(
        e.message,
        "the config is a variable (`base`) imported from `./base.mjs`, not a literal object: deck does not run JavaScript"
    );
    let e = fail("export default process.env.CONFIG");
    assert!(e.message.contains("environment variable"), "{e:?}");
    let e = fail("export default undefined");
    assert_eq!(
        e.message,
        "the exported config is `undefined`, not an object"
    );
}
