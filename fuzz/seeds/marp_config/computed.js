const pkg = require('./package.json')
module.exports = {
  title: `${pkg.name} ${pkg.version}`,
  description: pkg.description,
  author: process.env.AUTHOR || 'Team',
  themeSet: ['./theme', ...extra],
  html: true,
}
