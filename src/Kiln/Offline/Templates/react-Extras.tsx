import { settings } from '../settings.ts'

/**
 * What App tells a component that is one part of several on the page: the localStorage key it keeps its data under
 * (its own, so parts never clash), and whether the page-wide keyboard shortcuts are its (only the main part's are).
 */
export interface PartProps {
  storageKey?: string
  shortcuts?: boolean
}

export function Note() {
  if (settings.note === null) return null
  return (
    <aside className="note" aria-label="Note">
      <p>{settings.note}</p>
    </aside>
  )
}

export function Changes() {
  if (settings.changes.length === 0) return null
  return (
    <section className="changes" aria-labelledby="changes-title">
      <h2 id="changes-title">Changes</h2>
      <p className="changes-intro">
        Follow-up requests, oldest first. Kiln's offline model applies common ones (theme, colour, name, footer, note, text
        size); the rest are noted for Claude to build once ANTHROPIC_API_KEY is set.
      </p>
      <ol className="changes-list">
        {settings.changes.map((change, index) => (
          <li key={index}>
            <q className="change-request">{change.request}</q>
            <span className="change-outcome">
              {change.applied.length > 0 ? (
                <>
                  <span className="tag tag-applied">Applied</span> {change.applied.join(', ')}
                </>
              ) : (
                <>
                  <span className="tag tag-noted">Noted</span> Not applied by the offline model
                </>
              )}
            </span>
          </li>
        ))}
      </ol>
    </section>
  )
}

export function Footer() {
  if (settings.footer === null) return null
  return (
    <footer className="site-footer">
      <p>{settings.footer}</p>
    </footer>
  )
}

// Icons the list kinds share (to-dos, collections).
export function EditIcon() {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M12 20h9" />
      <path d="M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z" />
    </svg>
  )
}

export function DeleteIcon() {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M3 6h18" />
      <path d="M8 6V4h8v2" />
      <path d="M19 6l-1 14H6L5 6" />
    </svg>
  )
}
