import { useEffect, useRef, useState } from 'react'
import type { FormEvent } from 'react'
import { settings } from '../settings.ts'
import { DeleteIcon, EditIcon, type PartProps } from './Extras.tsx'

type Filter = 'all' | 'active' | 'done'

interface Task {
  id: string
  text: string
  done: boolean
}

interface Saved {
  tasks: Task[]
  filter: Filter
}

const filters: { value: Filter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'active', label: 'To do' },
  { value: 'done', label: 'Done' },
]

function load(storageKey: string): Saved {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey) ?? 'null') as Partial<Saved> | null
    if (saved && Array.isArray(saved.tasks)) {
      return {
        tasks: saved.tasks
          .filter((task) => task && typeof task.text === 'string')
          .map((task) => ({ id: String(task.id), text: task.text, done: Boolean(task.done) })),
        filter: filters.some((filter) => filter.value === saved.filter) ? (saved.filter as Filter) : 'all',
      }
    }
  } catch {
    // Unreadable or blocked storage: start afresh rather than fail.
  }
  return { tasks: [], filter: 'all' }
}

function newId() {
  return Date.now().toString(36) + Math.random().toString(36).slice(2, 8)
}

/** The field that replaces a task's text while it is edited: Enter or leaving it keeps the change, Escape drops it. */
function EditField({ text, onDone }: { text: string; onDone: (text: string | null) => void }) {
  const finished = useRef(false)
  const finish = (value: string | null) => {
    if (finished.current) return
    finished.current = true
    onDone(value)
  }
  return (
    <input
      className="input"
      defaultValue={text}
      maxLength={200}
      aria-label="Edit task"
      autoFocus
      onFocus={(event) => event.currentTarget.select()}
      onKeyDown={(event) => {
        if (event.key === 'Enter') finish(event.currentTarget.value)
        if (event.key === 'Escape') finish(null)
      }}
      onBlur={(event) => finish(event.currentTarget.value)}
    />
  )
}

export default function TodoList({ storageKey = settings.storageKey }: PartProps) {
  const [state, setState] = useState(() => load(storageKey))
  const [draft, setDraft] = useState('')
  const [editing, setEditing] = useState<string | null>(null)
  const input = useRef<HTMLInputElement>(null)

  useEffect(() => {
    try {
      localStorage.setItem(storageKey, JSON.stringify(state))
    } catch {
      // Storage full or blocked: the list still works for this visit.
    }
  }, [state, storageKey])

  const { tasks, filter } = state
  const shown = tasks.filter((task) => filter === 'all' || (filter === 'done') === task.done)
  const left = tasks.filter((task) => !task.done).length
  const done = tasks.length - left
  const remaining = tasks.length === 0
    ? 'No tasks yet'
    : `${left} ${left === 1 ? 'task' : 'tasks'} left` + (done ? `, ${done} done` : '')
  const emptyText = tasks.length === 0
    ? 'Nothing here yet. Add your first task above.'
    : filter === 'done' ? 'Nothing finished yet.' : 'All done. Nice work!'

  const update = (id: string, changes: Partial<Task>) =>
    setState((current) => ({ ...current, tasks: current.tasks.map((task) => (task.id === id ? { ...task, ...changes } : task)) }))

  const add = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const text = draft.trim()
    if (!text) return
    setState((current) => ({
      tasks: [...current.tasks, { id: newId(), text, done: false }],
      filter: current.filter === 'done' ? 'all' : current.filter,
    }))
    setDraft('')
    input.current?.focus()
  }

  const remove = (id: string) => {
    setState((current) => ({ ...current, tasks: current.tasks.filter((task) => task.id !== id) }))
    input.current?.focus()
  }

  const clearDone = () => {
    setState((current) => ({ ...current, tasks: current.tasks.filter((task) => !task.done) }))
    input.current?.focus()
  }

  return (
    <>
      <form className="add-row" id="add-form" autoComplete="off" onSubmit={add}>
        <label className="sr-only" htmlFor="new-task">New task</label>
        <input
          className="input"
          id="new-task"
          name="task"
          type="text"
          maxLength={200}
          placeholder="What needs doing?"
          required
          ref={input}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
        />
        <button className="btn" type="submit">
          <svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" aria-hidden="true" focusable="false">
            <path d="M12 5v14M5 12h14" />
          </svg>
          Add
        </button>
      </form>
      <div className="toolbar">
        <p className="muted" id="remaining" aria-live="polite">{remaining}</p>
        <div className="segmented" role="group" aria-label="Show">
          {filters.map(({ value, label }) => (
            <button
              key={value}
              type="button"
              data-filter={value}
              aria-pressed={filter === value}
              onClick={() => setState((current) => ({ ...current, filter: value }))}
            >
              {label}
            </button>
          ))}
        </div>
      </div>
      <ul className="task-list" id="task-list" aria-label="Tasks">
        {shown.map((task) => (
          <li key={task.id} className={task.done ? 'task done' : 'task'} data-id={task.id}>
            <input
              type="checkbox"
              id={`task-${task.id}`}
              checked={task.done}
              onChange={(event) => update(task.id, { done: event.target.checked })}
            />
            {editing === task.id ? (
              <EditField
                text={task.text}
                onDone={(text) => {
                  if (text !== null && text.trim()) update(task.id, { text: text.trim() })
                  setEditing(null)
                }}
              />
            ) : (
              <label className="task-text" htmlFor={`task-${task.id}`}>{task.text}</label>
            )}
            <button
              type="button"
              className="icon-btn"
              aria-label={`Edit “${task.text}”`}
              title={`Edit “${task.text}”`}
              onClick={() => setEditing(task.id)}
            >
              <EditIcon />
            </button>
            <button
              type="button"
              className="icon-btn"
              aria-label={`Delete “${task.text}”`}
              title={`Delete “${task.text}”`}
              onClick={() => remove(task.id)}
            >
              <DeleteIcon />
            </button>
          </li>
        ))}
      </ul>
      <p className="empty" id="empty" hidden={shown.length > 0}>{emptyText}</p>
      <div className="list-actions">
        <button className="btn btn-quiet" type="button" id="clear-done" hidden={done === 0} onClick={clearDone}>
          Clear completed
        </button>
      </div>
    </>
  )
}
