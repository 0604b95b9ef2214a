import { useEffect, useRef, useState } from 'react'
import { settings } from '../settings.ts'
import type { PartProps } from './Extras.tsx'

interface Note {
  id: string
  title: string
  body: string
  updated: number
}

interface Saved {
  notes: Note[]
  selected: string | null
}

function load(storageKey: string): Saved {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey) ?? 'null') as Partial<Saved> | null
    if (saved && Array.isArray(saved.notes)) {
      const notes = saved.notes
        .filter((note) => note && typeof note.id === 'string')
        .map((note) => ({ id: note.id, title: String(note.title ?? ''), body: String(note.body ?? ''), updated: Number(note.updated) || 0 }))
      const selected = notes.some((note) => note.id === saved.selected) ? (saved.selected as string) : notes[0]?.id ?? null
      return { notes, selected }
    }
  } catch {
    // Unreadable or blocked storage: start afresh rather than fail.
  }
  return { notes: [], selected: null }
}

function formatDate(time: number) {
  return new Date(time).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' })
}

function newest(notes: Note[]) {
  return [...notes].sort((a, b) => b.updated - a.updated)
}

// Later than every note so far, even within the same millisecond, so the note touched last is always listed first.
function stamp(notes: Note[]) {
  return Math.max(Date.now(), ...notes.map((note) => note.updated + 1))
}

export default function Notes({ storageKey = settings.storageKey, shortcuts = true }: PartProps) {
  const [state, setState] = useState(() => load(storageKey))
  const [query, setQuery] = useState('')
  const [saveFailed, setSaveFailed] = useState(false)
  const titleInput = useRef<HTMLInputElement>(null)
  const bodyInput = useRef<HTMLTextAreaElement>(null)

  useEffect(() => {
    try {
      localStorage.setItem(storageKey, JSON.stringify(state))
      setSaveFailed(false)
    } catch {
      setSaveFailed(true)
    }
  }, [state, storageKey])

  const current = state.notes.find((note) => note.id === state.selected) ?? null
  const search = query.trim().toLowerCase()
  const shown = newest(state.notes).filter((note) => !search || `${note.title}\n${note.body}`.toLowerCase().includes(search))

  const createNote = () => {
    const now = Date.now()
    const id = now.toString(36) + Math.random().toString(36).slice(2, 8)
    setState((saved) => ({ notes: [...saved.notes, { id, title: '', body: '', updated: stamp(saved.notes) }], selected: id }))
    setQuery('')
    requestAnimationFrame(() => titleInput.current?.focus())
  }

  const select = (id: string) => {
    setState((saved) => ({ ...saved, selected: id }))
    requestAnimationFrame(() => bodyInput.current?.focus())
  }

  const edit = (changes: Partial<Note>) =>
    setState((saved) => ({
      ...saved,
      notes: saved.notes.map((note) => (note.id === saved.selected ? { ...note, ...changes, updated: stamp(saved.notes) } : note)),
    }))

  const remove = () => {
    if (!current) return
    const name = current.title.trim() || 'this untitled note'
    if (!window.confirm(`Delete “${name}”? This can't be undone.`)) return
    setState((saved) => {
      const notes = saved.notes.filter((note) => note.id !== current.id)
      return { notes, selected: newest(notes)[0]?.id ?? null }
    })
  }

  useEffect(() => {
    if (!shortcuts) return
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.altKey && event.key.toLowerCase() === 'n') {
        event.preventDefault()
        createNote()
      }
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  })

  return (
    <div className="notes">
      <aside className="notes-side" aria-label="All notes">
        <div className="notes-side-top">
          <button className="btn" type="button" id="new-note" onClick={createNote}>
            <svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" aria-hidden="true" focusable="false">
              <path d="M12 5v14M5 12h14" />
            </svg>
            New note
          </button>
          <label className="sr-only" htmlFor="search">Search notes</label>
          <input className="input" id="search" type="search" placeholder="Search notes" value={query} onChange={(event) => setQuery(event.target.value)} />
        </div>
        <ul className="note-list" id="note-list">
          {shown.map((note) => (
            <li key={note.id}>
              <button type="button" className="note-item" data-id={note.id} aria-current={note.id === state.selected} onClick={() => select(note.id)}>
                <span className="note-item-title">{note.title.trim() || 'Untitled note'}</span>
                <span className="note-item-snippet">{note.body.trim().split('\n')[0] || 'No text yet'}</span>
                <span className="note-item-date">{formatDate(note.updated)}</span>
              </button>
            </li>
          ))}
        </ul>
        <p className="empty" id="list-empty" hidden={shown.length > 0 || state.notes.length === 0}>No notes match.</p>
      </aside>
      <section className="editor" id="editor" aria-label="Note editor" hidden={!current}>
        <label className="sr-only" htmlFor="note-title">Title</label>
        <input
          className="editor-title"
          id="note-title"
          type="text"
          maxLength={120}
          placeholder="Untitled note"
          ref={titleInput}
          value={current?.title ?? ''}
          onChange={(event) => edit({ title: event.target.value })}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault()
              bodyInput.current?.focus()
            }
          }}
        />
        <label className="sr-only" htmlFor="note-body">Note</label>
        <textarea
          className="editor-body"
          id="note-body"
          placeholder="Start writing…"
          ref={bodyInput}
          value={current?.body ?? ''}
          onChange={(event) => edit({ body: event.target.value })}
        />
        <div className="editor-bar">
          <p className="muted" id="status" aria-live="polite">
            {saveFailed ? "Couldn't save: browser storage is full or blocked" : current ? `Saved ${formatDate(current.updated)}` : ''}
          </p>
          <button className="btn btn-danger" type="button" id="delete-note" onClick={remove}>Delete</button>
        </div>
      </section>
      <div className="notes-empty" id="notes-empty" hidden={Boolean(current)}>
        <p><strong>No notes yet.</strong></p>
        <p className="muted">Press “New note” to write your first one. Notes save as you type.</p>
      </div>
    </div>
  )
}
