import { useEffect, useState } from 'react'
import { settings } from '../settings.ts'
import type { PartProps } from './Extras.tsx'

type Mode = 'focus' | 'short' | 'long'

const modes: Record<Mode, string> = { focus: 'Focus', short: 'Short break', long: 'Long break' }
const limits: Record<Mode, number> = { focus: 180, short: 60, long: 90 }
const ring = 339.292 // 2πr for r = 54

interface Saved {
  mode: Mode
  minutes: Record<Mode, number>
  endAt: number | null
  left: number | null
  day: string
  sessions: number
}

function today() {
  const now = new Date()
  return `${now.getFullYear()}-${now.getMonth() + 1}-${now.getDate()}`
}

function isMode(value: unknown): value is Mode {
  return value === 'focus' || value === 'short' || value === 'long'
}

function load(storageKey: string): Saved {
  const fresh: Saved = { mode: 'focus', minutes: { focus: 25, short: 5, long: 15 }, endAt: null, left: null, day: today(), sessions: 0 }
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey) ?? 'null') as Partial<Saved> | null
    if (saved && isMode(saved.mode) && saved.minutes) {
      const minutes = { ...fresh.minutes }
      for (const mode of Object.keys(modes) as Mode[]) {
        const value = Number(saved.minutes[mode])
        if (Number.isInteger(value) && value >= 1 && value <= limits[mode]) minutes[mode] = value
      }
      const sameDay = saved.day === today()
      return {
        mode: saved.mode,
        minutes,
        endAt: typeof saved.endAt === 'number' ? saved.endAt : null,
        left: typeof saved.left === 'number' ? saved.left : null,
        day: today(),
        sessions: sameDay && Number.isInteger(saved.sessions) ? (saved.sessions as number) : 0,
      }
    }
  } catch {
    // Unreadable or blocked storage: start with the defaults.
  }
  return fresh
}

function duration(state: Saved) {
  return state.minutes[state.mode] * 60000
}

function remaining(state: Saved, now: number) {
  if (state.endAt !== null) return Math.max(0, state.endAt - now)
  return state.left ?? duration(state)
}

function clock(ms: number) {
  const seconds = Math.ceil(ms / 1000)
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`
}

function switchedTo(state: Saved, mode: Mode): Saved {
  return { ...state, mode, endAt: null, left: null }
}

function chime() {
  try {
    const audio = new AudioContext()
    for (const offset of [0, 0.25, 0.5]) {
      const tone = audio.createOscillator()
      const gain = audio.createGain()
      tone.frequency.value = 880
      gain.gain.setValueAtTime(0.15, audio.currentTime + offset)
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + offset + 0.2)
      tone.connect(gain).connect(audio.destination)
      tone.start(audio.currentTime + offset)
      tone.stop(audio.currentTime + offset + 0.2)
    }
  } catch {
    // No audio available: the visual and spoken announcements still happen.
  }
}

/** A duration field: shows what is saved, keeps a half-typed value while focused, and saves it once it is valid. */
function MinutesField({ mode, label, minutes, onChange }: { mode: Mode; label: string; minutes: number; onChange: (minutes: number) => void }) {
  const [draft, setDraft] = useState<string | null>(null)
  return (
    <div>
      <label className="field-label" htmlFor={`minutes-${mode}`}>{label} (min)</label>
      <input
        className="input"
        id={`minutes-${mode}`}
        data-minutes={mode}
        type="number"
        min={1}
        max={limits[mode]}
        inputMode="numeric"
        value={draft ?? String(minutes)}
        onChange={(event) => {
          setDraft(event.target.value)
          const value = Math.round(Number(event.target.value))
          if (event.target.value.trim() !== '' && Number.isFinite(value) && value >= 1 && value <= limits[mode]) onChange(value)
        }}
        onBlur={() => setDraft(null)}
      />
    </div>
  )
}

export default function Timer({ storageKey = settings.storageKey, shortcuts = true }: PartProps) {
  const [state, setState] = useState(() => load(storageKey))
  const [now, setNow] = useState(() => Date.now())
  const [announcement, setAnnouncement] = useState('')
  const [animated, setAnimated] = useState(false)
  const running = state.endAt !== null
  const left = remaining(state, now)

  useEffect(() => {
    try {
      localStorage.setItem(storageKey, JSON.stringify(state))
    } catch {
      // Storage full or blocked: the timer still runs for this visit.
    }
  }, [state, storageKey])

  // While running, the clock ticks four times a second.
  useEffect(() => {
    if (!running) return
    const ticker = setInterval(() => setNow(Date.now()), 250)
    return () => clearInterval(ticker)
  }, [running])

  // A finished period counts a focus session, moves to the next mode and says so.
  useEffect(() => {
    if (state.endAt === null || state.endAt > now) return
    const finished = state.mode
    const sessions = finished === 'focus' ? state.sessions + 1 : state.sessions
    const next: Mode = finished !== 'focus' ? 'focus' : sessions % 4 === 0 ? 'long' : 'short'
    setState((current) => (current.endAt === null ? current : { ...switchedTo(current, next), sessions }))
    setAnnouncement(`${modes[finished]} finished. Next: ${modes[next]}.`)
    chime()
  }, [state, now])

  useEffect(() => {
    document.title = running ? `${clock(left)} · ${modes[state.mode]} · ${settings.title}` : settings.title
  }, [running, left, state.mode])

  // The ring animates only after its first position is drawn, so a reload does not sweep it round.
  useEffect(() => {
    let second = 0
    const first = requestAnimationFrame(() => {
      second = requestAnimationFrame(() => setAnimated(true))
    })
    return () => {
      cancelAnimationFrame(first)
      cancelAnimationFrame(second)
    }
  }, [])

  const toggle = () => {
    const at = Date.now()
    setNow(at)
    setState((current) =>
      current.endAt !== null
        ? { ...current, left: remaining(current, at), endAt: null }
        : { ...current, endAt: at + remaining(current, at), left: null },
    )
  }

  const switchMode = (mode: Mode) => setState((current) => switchedTo(current, mode))

  const setMinutes = (mode: Mode, minutes: number) =>
    setState((current) => ({
      ...current,
      minutes: { ...current.minutes, [mode]: minutes },
      left: mode === current.mode && current.endAt === null ? null : current.left,
    }))

  useEffect(() => {
    if (!shortcuts) return
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return
      if (event.target instanceof HTMLElement && event.target.closest('input, textarea, select, button, summary')) return
      if (event.key === ' ') {
        event.preventDefault()
        toggle()
      } else if (event.key.toLowerCase() === 'r') {
        switchMode(state.mode)
      }
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  })

  return (
    <div className="timer">
      <div className="segmented" role="group" aria-label="Mode">
        {(Object.keys(modes) as Mode[]).map((mode) => (
          <button key={mode} type="button" data-mode={mode} aria-pressed={state.mode === mode} onClick={() => switchMode(mode)}>
            {modes[mode]}
          </button>
        ))}
      </div>
      <div className="dial">
        <svg className="ring" viewBox="0 0 120 120" aria-hidden="true" focusable="false">
          <circle className="ring-track" cx="60" cy="60" r="54" />
          <circle
            className={animated ? 'ring-progress animated' : 'ring-progress'}
            id="ring"
            cx="60"
            cy="60"
            r="54"
            style={{ strokeDashoffset: String(ring * (1 - left / duration(state))) }}
          />
        </svg>
        <div className="dial-center">
          <p className="time" id="time" role="timer" aria-labelledby="mode-label">{clock(left)}</p>
          <p className="dial-mode" id="mode-label">{modes[state.mode]}</p>
        </div>
      </div>
      <p className="sr-only" id="announcer" aria-live="assertive">{announcement}</p>
      <div className="timer-buttons">
        <button className="btn btn-big" type="button" id="start" onClick={toggle}>
          {/* Paused, even in the first millisecond, reads Resume. */}
          {running ? 'Pause' : state.left !== null ? 'Resume' : 'Start'}
        </button>
        <button className="btn btn-quiet btn-big" type="button" id="timer-reset" onClick={() => switchMode(state.mode)}>Reset</button>
      </div>
      <p className="muted" id="sessions">
        {state.sessions === 0
          ? 'No focus sessions yet today'
          : `${state.sessions} focus ${state.sessions === 1 ? 'session' : 'sessions'} done today`}
      </p>
      <details className="timer-settings">
        <summary>Durations</summary>
        <div className="settings-grid">
          <MinutesField mode="focus" label="Focus" minutes={state.minutes.focus} onChange={(minutes) => setMinutes('focus', minutes)} />
          <MinutesField mode="short" label="Short break" minutes={state.minutes.short} onChange={(minutes) => setMinutes('short', minutes)} />
          <MinutesField mode="long" label="Long break" minutes={state.minutes.long} onChange={(minutes) => setMinutes('long', minutes)} />
        </div>
      </details>
      <p className="hint muted">
        Keys: <kbd>Space</kbd> start or pause, <kbd>R</kbd> reset.
      </p>
    </div>
  )
}
