// Marp CLI configuration for the PGDay talk.
// (defineConfig would need @marp-team/marp-cli installed locally, so we use a plain object.)

/** @type {import('@marp-team/marp-cli').Config} */
export default {
  themeSet: ['./theme/elephant.css'],
  lang: 'en-US',
  options: {
    // Strict YAML for directives: values containing ": " must be quoted.
    looseYAML: false,
  },
}
