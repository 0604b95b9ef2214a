import { useEffect, useState } from 'react'
import type { FormEvent } from 'react'
import './App.css'
import { settings } from './settings.ts'
import { Changes, Footer, Note } from './components/Extras.tsx'

const featureIcons = [
  'M12 3l1.9 5.8L20 10l-4.9 3.6L16.8 20 12 16.4 7.2 20l1.7-6.4L4 10l6.1-1.2z',
  'M20.8 4.6a5.5 5.5 0 0 0-7.8 0L12 5.7l-1-1.1a5.5 5.5 0 0 0-7.8 7.8l1 1.1L12 21l7.8-7.5 1-1.1a5.5 5.5 0 0 0 0-7.8z',
  'M22 11.1V12a10 10 0 1 1-5.9-9.1 M22 4L12 14l-3-3',
]

function savedSignups(): string[] {
  try {
    const saved = JSON.parse(localStorage.getItem(settings.storageKey) ?? 'null') as { signups?: unknown } | null
    return saved && Array.isArray(saved.signups) ? saved.signups.filter((item): item is string => typeof item === 'string') : []
  } catch {
    return []
  }
}

export default function App() {
  const copy = settings.landing!
  const [menuOpen, setMenuOpen] = useState(false)
  const [email, setEmail] = useState('')
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null)

  useEffect(() => {
    if (!menuOpen) return
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setMenuOpen(false)
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [menuOpen])

  // Sign-ups are kept in this browser's storage; connect a mailing-list service here to collect them for real.
  const signUp = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const field = event.currentTarget.elements.namedItem('email') as HTMLInputElement
    const address = email.trim()
    if (!field.checkValidity() || !address) {
      setStatus({ ok: false, text: 'Please enter a valid email address, like name@example.com.' })
      field.focus()
      return
    }
    const signups = savedSignups()
    if (!signups.includes(address)) signups.push(address)
    try {
      localStorage.setItem(settings.storageKey, JSON.stringify({ signups }))
    } catch {
      // Storage full or blocked: still thank the visitor.
    }
    setStatus({ ok: true, text: "Thanks! You're on the list." })
    setEmail('')
  }

  return (
    <>
      <header className="site-nav">
        <div className="container nav-inner">
          <a className="brand" href="#top">
            <span className="brand-mark" aria-hidden="true">{copy.initials}</span>
            <span className="brand-name">{settings.title}</span>
          </a>
          <button
            className="nav-toggle icon-btn"
            type="button"
            id="nav-toggle"
            aria-expanded={menuOpen}
            aria-controls="nav-links"
            onClick={() => setMenuOpen((open) => !open)}
          >
            <span className="sr-only">Menu</span>
            <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden="true" focusable="false">
              <path d="M4 7h16M4 12h16M4 17h16" />
            </svg>
          </button>
          <nav className={menuOpen ? 'nav-links open' : 'nav-links'} id="nav-links" aria-label="Main" onClick={() => setMenuOpen(false)}>
            <a href="#features">{copy.secondaryAction}</a>
            <a className="btn" href="#signup">{copy.primaryAction}</a>
          </nav>
        </div>
      </header>
      <main id="main">
        <section className="hero" id="top">
          <div className="container hero-inner">
            <div className="hero-copy">
              <p className="eyebrow">{copy.eyebrow}</p>
              <h1>{settings.title}</h1>
              <p className="hero-tagline">{settings.tagline}</p>
              <div className="hero-actions">
                <a className="btn btn-lg" href="#signup">{copy.primaryAction}</a>
                <a className="btn btn-quiet btn-lg" href="#features">{copy.secondaryAction}</a>
              </div>
            </div>
            <div className="hero-art" aria-hidden="true">
              <div className="art-panel">
                <span className="art-initials">{copy.initials}</span>
              </div>
              {copy.features.slice(0, 2).map((feature, index) => (
                <div key={index} className={`art-chip art-chip-${index + 1}`}>
                  <span className="art-dot"></span>
                  {feature.heading}
                </div>
              ))}
            </div>
          </div>
        </section>
        <div className="container">
          <Note />
        </div>
        <section className="section" id="features" aria-labelledby="features-title">
          <div className="container">
            <h2 className="section-title" id="features-title">{copy.featuresHeading}</h2>
            <div className="features">
              {copy.features.map((feature, index) => (
                <article key={index} className="feature">
                  <span className="feature-icon" aria-hidden="true">
                    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" focusable="false">
                      <path d={featureIcons[index % featureIcons.length]} />
                    </svg>
                  </span>
                  <h3>{feature.heading}</h3>
                  <p>{feature.text}</p>
                </article>
              ))}
            </div>
          </div>
        </section>
        <section className="section" id="signup" aria-labelledby="signup-title">
          <div className="container">
            <div className="signup">
              <div>
                <h2 className="section-title" id="signup-title">{copy.signupHeading}</h2>
                <p className="signup-text">{copy.signupText}</p>
              </div>
              <form className="signup-form" id="signup-form" noValidate onSubmit={signUp}>
                <label className="sr-only" htmlFor="signup-email">Email address</label>
                <input
                  className="input"
                  id="signup-email"
                  name="email"
                  type="email"
                  autoComplete="email"
                  placeholder="you@example.com"
                  required
                  aria-invalid={status?.ok === false ? true : undefined}
                  value={email}
                  onChange={(event) => setEmail(event.target.value)}
                />
                <button className="btn" type="submit">Sign up</button>
                <p className={status === null ? 'signup-status' : status.ok ? 'signup-status ok' : 'signup-status error'} id="signup-status" role="status">
                  {status?.text}
                </p>
              </form>
            </div>
          </div>
        </section>
        <div className="container">
          <Changes />
        </div>
      </main>
      <div className="container">
        <Footer />
      </div>
    </>
  )
}
