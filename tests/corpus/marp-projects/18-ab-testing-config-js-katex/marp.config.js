/** @type {import('@marp-team/marp-cli').Config} */
module.exports = {
  lang: 'en',
  themeSet: ['./growth.css'],
  bespoke: {
    progress: true,
  },
  options: {
    math: 'katex',
  },
}
