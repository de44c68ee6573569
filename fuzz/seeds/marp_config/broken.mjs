export default defineConfig({ themeSet: path.join(__dirname, "t"), title: `${x}`, engine: ({marp}) => marp,
