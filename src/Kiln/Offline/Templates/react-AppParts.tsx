import './App.css'
import icon from './icon.svg?raw'
import { settings } from './settings.ts'
import { Changes, Footer, Note } from './components/Extras.tsx'
{{{imports}}}

// One page, several parts: the main one first, then each other part the prompt asked for under its own heading. Each
// part keeps its data under its own localStorage key (settings.parts), and only the main part listens for shortcuts.
export default function App() {
  return (
    <div className="{{pageClass}}">
      <header className="app-header">
        {/* Kiln's own icon for this kind of app, imported as markup. */}
        <span className="app-mark" aria-hidden="true" dangerouslySetInnerHTML={{ __html: icon }} />
        <div>
          <h1>{settings.title}</h1>
          <p className="lede">{settings.tagline}</p>
        </div>
      </header>
      <Note />
      <main id="main" className="parts">
{{{sections}}}
      </main>
      <Changes />
      <Footer />
    </div>
  )
}
