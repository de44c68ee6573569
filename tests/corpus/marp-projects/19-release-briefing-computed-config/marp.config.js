// Title and description come from package.json so that they never go stale.
const pkg = require('./package.json')

module.exports = {
  themeSet: './theme',
  html: true,
  lang: 'en-GB',
  title: `Kestrel ${pkg.version} release briefing`,
  description: pkg.description,
  author: process.env.DECK_AUTHOR || 'Platform team',
}
