module.exports = async () => ({ html: true })
