// Marp CLI config for the Riverbank Food Bank slide decks.
module.exports = {
  inputDir: './decks',
  output: './site',
  lang: 'en-CA',
  title: 'Riverbank Food Bank',
  description: 'Slides for the annual general meeting and volunteer orientation',
  author: 'Riverbank Food Bank board',
  keywords: ['food bank', 'volunteering', 'annual meeting'],
}
