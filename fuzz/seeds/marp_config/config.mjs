import path from 'node:path'
import { defineConfig } from '@marp-team/marp-cli'
const themes = path.join(__dirname, 'themes')
export default defineConfig({
  themeSet: [themes, './extra.css'],
  title: `Release ${process.env.V}`,
  engine: ({ marp }) => marp.use(require('x')),
  options: { headingDivider: 2, ...base },
})
