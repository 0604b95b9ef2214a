import { useEffect, useRef, useState } from 'react'
import type { FormEvent } from 'react'
import { settings } from '../settings.ts'
import { DeleteIcon, EditIcon } from './Extras.tsx'

type Show = 'all' | 'starred'
type Sort = 'new' | 'az' | 'tag'

interface Entry {
  id: string
  name: string
  tag: string
  notes: string
  starred: boolean
  created: number
}

interface Saved {
  entries: Entry[]
  show: Show
  sort: Sort
}

const sorts: { value: Sort; label: string }[] = [
  { value: 'new', label: 'Newest first' },
  { value: 'az', label: 'A to Z' },
  { value: 'tag', label: 'By tag' },
]

const blank = { name: '', tag: '', notes: '' }

function load(): Saved {
  try {
    const saved = JSON.parse(localStorage.getItem(settings.storageKey) ?? 'null') as Partial<Saved> | null
    if (saved && Array.isArray(saved.entries)) {
      return {
        entries: saved.entries
          .filter((entry) => entry && typeof entry.name === 'string')
          .map((entry) => ({
            id: String(entry.id),
            name: entry.name,
            tag: String(entry.tag ?? ''),
            notes: String(entry.notes ?? ''),
            starred: Boolean(entry.starred),
            created: Number(entry.created) || 0,
          })),
        show: saved.show === 'starred' ? 'starred' : 'all',
        sort: sorts.some((sort) => sort.value === saved.sort) ? (saved.sort as Sort) : 'new',
      }
    }
  } catch {
    // Unreadable or blocked storage: start afresh rather than fail.
  }
  return { entries: [], show: 'all', sort: 'new' }
}

function ordered(entries: Entry[], sort: Sort) {
  const byName = (a: Entry, b: Entry) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' })
  if (sort === 'az') return [...entries].sort(byName)
  if (sort === 'tag') return [...entries].sort((a, b) => (a.tag || '\uffff').localeCompare(b.tag || '\uffff') || byName(a, b))
  return [...entries].sort((a, b) => b.created - a.created)
}

function StarIcon() {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M12 2.5l2.9 6 6.6.8-4.9 4.6 1.3 6.6L12 17.2l-5.9 3.3 1.3-6.6-4.9-4.6 6.6-.8z" />
    </svg>
  )
}

export default function Collection() {
  const [state, setState] = useState(load)
  const [draft, setDraft] = useState(blank)
  const [editing, setEditing] = useState<string | null>(null)
  const [query, setQuery] = useState('')
  const form = useRef<HTMLFormElement>(null)
  const nameInput = useRef<HTMLInputElement>(null)

  useEffect(() => {
    try {
      localStorage.setItem(settings.storageKey, JSON.stringify(state))
    } catch {
      // Storage full or blocked: the collection still works for this visit.
    }
  }, [state])

  const { entries, show, sort } = state
  const search = query.trim().toLowerCase()
  const shown = ordered(
    entries.filter((entry) => (show === 'all' || entry.starred) && (!search || [entry.name, entry.tag, entry.notes].join('\n').toLowerCase().includes(search))),
    sort,
  )
  const total = entries.length
  const noun = total === 1 ? settings.item : settings.items
  const count = total === 0 ? '' : shown.length === total ? `${total} ${noun}` : `Showing ${shown.length} of ${total} ${noun}`
  const emptyText = total === 0
    ? `No ${settings.items} yet. Add your first one above.`
    : show === 'starred' && !search
      ? `No starred ${settings.items} yet. Select the star on one to keep it here.`
      : `No ${settings.items} match “${query.trim()}”.`

  const update = (id: string, changes: Partial<Entry>) =>
    setState((current) => ({ ...current, entries: current.entries.map((entry) => (entry.id === id ? { ...entry, ...changes } : entry)) }))

  const stopEditing = () => {
    setEditing(null)
    setDraft(blank)
  }

  const startEditing = (entry: Entry) => {
    setEditing(entry.id)
    setDraft({ name: entry.name, tag: entry.tag, notes: entry.notes })
    form.current?.scrollIntoView({ behavior: 'smooth', block: 'start' })
    nameInput.current?.focus()
  }

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const values = { name: draft.name.trim(), tag: draft.tag.trim(), notes: draft.notes.trim() }
    if (!values.name) return
    if (editing) {
      update(editing, values)
    } else {
      const created = Date.now()
      const id = created.toString(36) + Math.random().toString(36).slice(2, 8)
      setState((current) => ({ ...current, entries: [...current.entries, { id, ...values, starred: false, created }] }))
    }
    stopEditing()
    nameInput.current?.focus()
  }

  const remove = (entry: Entry) => {
    if (!window.confirm(`Delete “${entry.name}”?`)) return
    setState((current) => ({ ...current, entries: current.entries.filter((other) => other.id !== entry.id) }))
    if (editing === entry.id) stopEditing()
    nameInput.current?.focus()
  }

  const exportJson = () => {
    const blob = new Blob([JSON.stringify({ title: settings.title, entries }, null, 2)], { type: 'application/json' })
    const link = document.createElement('a')
    link.href = URL.createObjectURL(blob)
    link.download = (settings.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'collection') + '.json'
    link.click()
    setTimeout(() => URL.revokeObjectURL(link.href), 1000)
  }

  return (
    <div className="collection">
      <form className="entry-form" id="entry-form" autoComplete="off" ref={form} onSubmit={submit}>
        <h2 className="form-title" id="form-title">{editing ? `Edit ${settings.item}` : `Add ${settings.anItem}`}</h2>
        <div className="form-grid">
          <div className="field">
            <label className="field-label" htmlFor="entry-name">Name</label>
            <input
              className="input"
              id="entry-name"
              type="text"
              maxLength={120}
              required
              ref={nameInput}
              value={draft.name}
              onChange={(event) => setDraft({ ...draft, name: event.target.value })}
            />
          </div>
          <div className="field">
            <label className="field-label" htmlFor="entry-tag">Tag <span className="muted">(optional)</span></label>
            <input
              className="input"
              id="entry-tag"
              type="text"
              maxLength={40}
              placeholder="e.g. favourite, to try"
              value={draft.tag}
              onChange={(event) => setDraft({ ...draft, tag: event.target.value })}
            />
          </div>
          <div className="field field-wide">
            <label className="field-label" htmlFor="entry-notes">Notes <span className="muted">(optional)</span></label>
            <textarea
              className="input"
              id="entry-notes"
              rows={2}
              maxLength={2000}
              value={draft.notes}
              onChange={(event) => setDraft({ ...draft, notes: event.target.value })}
            />
          </div>
        </div>
        <div className="form-actions">
          <button className="btn" type="submit" id="submit">{editing ? 'Save changes' : `Add ${settings.item}`}</button>
          <button
            className="btn btn-quiet"
            type="button"
            id="cancel-edit"
            hidden={!editing}
            onClick={() => {
              stopEditing()
              nameInput.current?.focus()
            }}
          >
            Cancel
          </button>
        </div>
      </form>
      <div className="toolbar">
        <label className="sr-only" htmlFor="search">Search {settings.items}</label>
        <input
          className="input search"
          id="search"
          type="search"
          placeholder={`Search ${settings.items}`}
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
        <div className="segmented" role="group" aria-label="Show">
          {(['all', 'starred'] as const).map((value) => (
            <button
              key={value}
              type="button"
              data-show={value}
              aria-pressed={show === value}
              onClick={() => setState((current) => ({ ...current, show: value }))}
            >
              {value === 'all' ? 'All' : 'Starred'}
            </button>
          ))}
        </div>
        <label className="sr-only" htmlFor="sort">Sort by</label>
        <select
          className="input sort"
          id="sort"
          value={sort}
          onChange={(event) => setState((current) => ({ ...current, sort: event.target.value as Sort }))}
        >
          {sorts.map(({ value, label }) => (
            <option key={value} value={value}>{label}</option>
          ))}
        </select>
      </div>
      <p className="muted count" id="count" aria-live="polite">{count}</p>
      <ul className="entry-grid" id="entries" aria-label={settings.items}>
        {shown.map((entry) => (
          <li key={entry.id} className={entry.starred ? 'entry starred' : 'entry'}>
            <h3>{entry.name}</h3>
            {entry.tag && <span className="entry-tag">{entry.tag}</span>}
            {entry.notes && <p className="entry-notes">{entry.notes}</p>}
            <div className="entry-foot">
              <span className="entry-date">
                Added {new Date(entry.created).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' })}
              </span>
              <button
                type="button"
                className="icon-btn"
                aria-label={`Star “${entry.name}”`}
                title={`Star “${entry.name}”`}
                aria-pressed={entry.starred}
                onClick={() => update(entry.id, { starred: !entry.starred })}
              >
                <StarIcon />
              </button>
              <button
                type="button"
                className="icon-btn"
                aria-label={`Edit “${entry.name}”`}
                title={`Edit “${entry.name}”`}
                onClick={() => startEditing(entry)}
              >
                <EditIcon />
              </button>
              <button
                type="button"
                className="icon-btn"
                aria-label={`Delete “${entry.name}”`}
                title={`Delete “${entry.name}”`}
                onClick={() => remove(entry)}
              >
                <DeleteIcon />
              </button>
            </div>
          </li>
        ))}
      </ul>
      <p className="empty" id="empty" hidden={shown.length > 0}>{emptyText}</p>
      <div className="list-actions">
        <button className="btn btn-quiet" type="button" id="export" hidden={total === 0} onClick={exportJson}>Export as JSON</button>
      </div>
    </div>
  )
}
