import { useEffect, useRef, useState } from 'react'
import { settings } from '../settings.ts'
import type { PartProps } from './Extras.tsx'

const steps = [1, 5, 10]

interface Saved {
  value: number
  step: number
}

function load(storageKey: string): Saved {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey) ?? 'null') as Partial<Saved> | null
    if (saved && Number.isFinite(saved.value)) {
      return { value: saved.value as number, step: steps.includes(saved.step as number) ? (saved.step as number) : 1 }
    }
  } catch {
    // Unreadable or blocked storage: start from zero rather than fail.
  }
  return { value: 0, step: 1 }
}

export default function Counter({ storageKey = settings.storageKey, shortcuts = true }: PartProps) {
  const [state, setState] = useState(() => load(storageKey))
  const [beforeReset, setBeforeReset] = useState<number | null>(null)
  const [bump, setBump] = useState(0)
  const output = useRef<HTMLOutputElement>(null)

  useEffect(() => {
    try {
      localStorage.setItem(storageKey, JSON.stringify(state))
    } catch {
      // Storage full or blocked: the counter still works for this visit.
    }
  }, [state, storageKey])

  // Restart the bump animation on every change.
  useEffect(() => {
    const element = output.current
    if (!element || bump === 0) return
    element.classList.remove('bump')
    void element.offsetWidth
    element.classList.add('bump')
  }, [bump])

  const change = (delta: number) => {
    setState((current) => ({ ...current, value: current.value + delta }))
    setBeforeReset(null)
    setBump((count) => count + 1)
  }

  const reset = () => {
    if (state.value === 0) return
    setBeforeReset(state.value)
    setState((current) => ({ ...current, value: 0 }))
  }

  const undo = () => {
    if (beforeReset === null) return
    setState((current) => ({ ...current, value: beforeReset }))
    setBeforeReset(null)
  }

  // Keys work anywhere on the page except in a field; the listener follows the state it reads.
  useEffect(() => {
    if (!shortcuts) return
    const onKey = (event: KeyboardEvent) => {
      const target = event.target
      if (event.ctrlKey || event.metaKey || event.altKey) return
      if (target instanceof HTMLElement && target.closest('input, textarea, select')) return
      if (event.key === '+' || event.key === '=' || event.key === 'ArrowUp') {
        event.preventDefault()
        change(state.step)
      } else if (event.key === '-' || event.key === '_' || event.key === 'ArrowDown') {
        event.preventDefault()
        change(-state.step)
      } else if (event.key === '0') {
        reset()
      }
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  })

  return (
    <div className="counter">
      <p className="counter-label" id="counter-label">{settings.counterLabel}</p>
      <output
        ref={output}
        className={state.value < 0 ? 'counter-value negative' : 'counter-value'}
        id="value"
        aria-labelledby="counter-label"
        aria-live="polite"
        onTransitionEnd={(event) => event.currentTarget.classList.remove('bump')}
      >
        {state.value.toLocaleString()}
      </output>
      <div className="counter-buttons">
        <button className="round-btn" type="button" id="decrement" aria-label={`Subtract ${state.step}`} onClick={() => change(-state.step)}>
          <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" aria-hidden="true" focusable="false">
            <path d="M5 12h14" />
          </svg>
        </button>
        <button className="round-btn round-btn-main" type="button" id="increment" aria-label={`Add ${state.step}`} onClick={() => change(state.step)}>
          <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" aria-hidden="true" focusable="false">
            <path d="M12 5v14M5 12h14" />
          </svg>
        </button>
      </div>
      <div className="counter-settings">
        <div className="segmented" role="group" aria-label="Step">
          {steps.map((step) => (
            <button
              key={step}
              type="button"
              data-step={step}
              aria-pressed={state.step === step}
              onClick={() => setState((current) => ({ ...current, step }))}
            >
              ±{step}
            </button>
          ))}
        </div>
        <button className="btn btn-quiet" type="button" id="reset" onClick={reset}>Reset</button>
      </div>
      <p className="undo" id="undo-row" hidden={beforeReset === null}>
        <span id="undo-text">{beforeReset === null ? 'Counter reset.' : `Counter reset from ${beforeReset.toLocaleString()}.`}</span>
        <button className="link-btn" type="button" id="undo" onClick={undo}>Undo</button>
      </p>
      <p className="hint muted">
        Keys: <kbd>+</kbd> or <kbd>↑</kbd> add, <kbd>−</kbd> or <kbd>↓</kbd> subtract, <kbd>0</kbd> reset.
      </p>
    </div>
  )
}
