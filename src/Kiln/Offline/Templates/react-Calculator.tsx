import { useEffect, useReducer, useRef } from 'react'
import { settings } from '../settings.ts'
import type { PartProps } from './Extras.tsx'

const maxDigits = 15

type Operator = '+' | '−' | '×' | '÷'
type Action = 'clear' | 'backspace' | 'percent' | 'negate' | 'decimal' | 'equals'

const operators: Record<Operator, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '−': (a, b) => a - b,
  '×': (a, b) => a * b,
  '÷': (a, b) => a / b,
}

interface Sum {
  sum: string
  result: string
}

// An immediate-execution calculator: "2 + 3 ×" shows 5 before the next number, like a pocket calculator.
interface Calc {
  entry: string
  stored: number | null
  operator: Operator | null
  startNew: boolean
  error: string | null
  history: Sum[]
}

type Press =
  | { digit: string }
  | { operator: Operator }
  | { action: Action }
  | { use: string }
  | { clearHistory: true }

interface Key {
  label: string
  press: Press
  className: string
  name?: string
}

const keys: Key[] = [
  { label: 'AC', press: { action: 'clear' }, className: 'key key-fn', name: 'All clear' },
  { label: '⌫', press: { action: 'backspace' }, className: 'key key-fn', name: 'Delete last digit' },
  { label: '%', press: { action: 'percent' }, className: 'key key-fn', name: 'Percent' },
  { label: '÷', press: { operator: '÷' }, className: 'key key-op', name: 'Divide' },
  ...['7', '8', '9'].map((digit) => ({ label: digit, press: { digit }, className: 'key' })),
  { label: '×', press: { operator: '×' }, className: 'key key-op', name: 'Multiply' },
  ...['4', '5', '6'].map((digit) => ({ label: digit, press: { digit }, className: 'key' })),
  { label: '−', press: { operator: '−' }, className: 'key key-op', name: 'Subtract' },
  ...['1', '2', '3'].map((digit) => ({ label: digit, press: { digit }, className: 'key' })),
  { label: '+', press: { operator: '+' }, className: 'key key-op', name: 'Add' },
  { label: '±', press: { action: 'negate' }, className: 'key key-fn', name: 'Change sign' },
  { label: '0', press: { digit: '0' }, className: 'key' },
  { label: '.', press: { action: 'decimal' }, className: 'key', name: 'Decimal point' },
  { label: '=', press: { action: 'equals' }, className: 'key key-equals', name: 'Equals' },
]

// The keyboard presses the button a key stands for, so it behaves exactly like a click.
const keyboard: Record<string, string> = {
  '+': "[data-operator='+']", '-': "[data-operator='−']", '*': "[data-operator='×']", x: "[data-operator='×']",
  '/': "[data-operator='÷']", Enter: "[data-action='equals']", '=': "[data-action='equals']",
  Backspace: "[data-action='backspace']", Escape: "[data-action='clear']", Delete: "[data-action='clear']",
  '%': "[data-action='percent']", '.': "[data-action='decimal']", ',': "[data-action='decimal']",
}

function loadHistory(storageKey: string): Sum[] {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey) ?? 'null') as { history?: unknown } | null
    if (saved && Array.isArray(saved.history)) {
      return (saved.history as Partial<Sum>[])
        .filter((item) => item && typeof item.sum === 'string' && typeof item.result === 'string')
        .map((item) => ({ sum: item.sum as string, result: item.result as string }))
        .slice(0, 12)
    }
  } catch {
    // Unreadable or blocked storage: start with no history.
  }
  return []
}

function start(storageKey: string): Calc {
  return { entry: '0', stored: null, operator: null, startNew: false, error: null, history: loadHistory(storageKey) }
}

function format(number: number): string | null {
  if (!Number.isFinite(number)) return null
  const rounded = Number(number.toPrecision(12))
  const text = String(rounded)
  return text.length > maxDigits + 2 ? rounded.toExponential(8).replace(/\.?0+e/, 'e') : text
}

function pretty(text: string | null) {
  if (text === null) return ''
  if (text.includes('e')) return text
  const [whole, fraction] = text.split('.')
  const sign = whole.startsWith('-') ? '-' : ''
  const digits = sign ? whole.slice(1) : whole
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return sign + grouped + (fraction !== undefined ? '.' + fraction : '')
}

function withoutError(calc: Calc): Calc {
  return calc.error === null ? calc : { ...calc, error: null, entry: '0', stored: null, operator: null }
}

function fresh(calc: Calc): Calc {
  return calc.startNew ? { ...calc, entry: '0', startNew: false } : calc
}

/** The result of the pending operation, or the calculator showing why there is none. */
function calculate(calc: Calc): { text: string } | { error: string } {
  const text = format(operators[calc.operator as Operator](calc.stored as number, Number(calc.entry)))
  return text === null ? { error: calc.operator === '÷' ? "Can't divide by zero" : 'Number too large' } : { text }
}

function press(previous: Calc, key: Press): Calc {
  if ('use' in key) return { ...withoutError(previous), entry: key.use, startNew: true }
  if ('clearHistory' in key) return { ...previous, history: [] }
  if ('digit' in key) {
    const calc = fresh(withoutError(previous))
    if (calc.entry.replace(/[-.]/g, '').length >= maxDigits) return calc
    const entry = calc.entry === '0' ? key.digit : calc.entry === '-0' ? '-' + key.digit : calc.entry + key.digit
    return { ...calc, entry }
  }
  if ('operator' in key) {
    let calc = withoutError(previous)
    if (calc.operator !== null && !calc.startNew) {
      const result = calculate(calc)
      if ('error' in result) return { ...calc, error: result.error }
      calc = { ...calc, entry: result.text }
    }
    return { ...calc, stored: Number(calc.entry), operator: key.operator, startNew: true }
  }
  switch (key.action) {
    case 'clear':
      return { ...previous, error: null, entry: '0', stored: null, operator: null, startNew: false }
    case 'backspace': {
      const calc = withoutError(previous)
      if (calc.startNew) return calc
      const entry = calc.entry.length > 1 && calc.entry !== '-0' ? calc.entry.slice(0, -1) : '0'
      return { ...calc, entry: entry === '-' ? '0' : entry }
    }
    case 'percent': {
      const calc = withoutError(previous)
      return { ...calc, entry: format(Number(calc.entry) / 100) ?? '0' }
    }
    case 'negate': {
      const calc = withoutError(previous)
      const entry = calc.entry.startsWith('-') ? calc.entry.slice(1) : calc.entry === '0' ? '0' : '-' + calc.entry
      return { ...calc, entry }
    }
    case 'decimal': {
      const calc = fresh(withoutError(previous))
      return calc.entry.includes('.') ? calc : { ...calc, entry: calc.entry + '.' }
    }
    case 'equals': {
      const calc = previous
      if (calc.operator === null || calc.error !== null) return calc
      const sum = `${pretty(format(calc.stored as number))} ${calc.operator} ${pretty(calc.entry)}`
      const result = calculate(calc)
      if ('error' in result) return { ...calc, error: result.error }
      return {
        ...calc,
        history: [{ sum, result: result.text }, ...calc.history].slice(0, 12),
        entry: result.text,
        stored: null,
        operator: null,
        startNew: true,
      }
    }
  }
}

function dataOf(key: Press) {
  if ('digit' in key) return { 'data-digit': key.digit }
  if ('operator' in key) return { 'data-operator': key.operator }
  if ('action' in key) return { 'data-action': key.action }
  return {}
}

export default function Calculator({ storageKey = settings.storageKey, shortcuts = true }: PartProps) {
  const [calc, dispatch] = useReducer(press, storageKey, start)
  const keyPad = useRef<HTMLDivElement>(null)
  const { history } = calc

  useEffect(() => {
    try {
      localStorage.setItem(storageKey, JSON.stringify({ history }))
    } catch {
      // Storage full or blocked: history lasts for this visit only.
    }
  }, [history, storageKey])

  useEffect(() => {
    if (!shortcuts) return
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return
      // Typing in another part's field (a task, a note) is not a sum.
      if (event.target instanceof HTMLElement && event.target.closest('input, textarea, select')) return
      const selector = /^[0-9]$/.test(event.key) ? `[data-digit='${event.key}']` : keyboard[event.key]
      if (!selector) return
      // Enter on a focused button should press that button, not "=".
      if (event.key === 'Enter' && document.activeElement instanceof HTMLButtonElement) return
      event.preventDefault()
      const key = keyPad.current?.querySelector<HTMLButtonElement>(selector)
      if (!key) return
      key.click()
      key.classList.add('pressed')
      setTimeout(() => key.classList.remove('pressed'), 120)
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [shortcuts])

  return (
    <div className="calc-layout">
      <section className="calc" aria-label="Calculator">
        <div className="calc-screen">
          <p className="calc-expression" id="expression" aria-hidden="true">
            {calc.operator !== null && calc.stored !== null ? `${pretty(format(calc.stored))} ${calc.operator}` : '\u00a0'}
          </p>
          <output className={calc.error !== null ? 'calc-display error' : 'calc-display'} id="display" aria-live="polite" aria-atomic="true">
            {calc.error ?? pretty(calc.entry)}
          </output>
        </div>
        <div className="calc-keys" ref={keyPad}>
          {keys.map((key) => (
            <button
              key={key.label}
              type="button"
              className={key.className}
              aria-label={key.name}
              aria-pressed={'operator' in key.press ? calc.startNew && key.press.operator === calc.operator : undefined}
              onClick={() => dispatch(key.press)}
              {...dataOf(key.press)}
            >
              {key.label}
            </button>
          ))}
        </div>
      </section>
      <section className="calc-history" aria-labelledby="history-title">
        <div className="calc-history-head">
          <h2 id="history-title">History</h2>
          <button className="link-btn" type="button" id="clear-history" hidden={history.length === 0} onClick={() => dispatch({ clearHistory: true })}>
            Clear
          </button>
        </div>
        <ol className="history-list" id="history-list">
          {history.map((item, index) => (
            <li key={index}>
              <button
                type="button"
                className="history-item"
                aria-label={`${item.sum} = ${item.result}. Use this result`}
                onClick={() => dispatch({ use: item.result })}
              >
                <span>{item.sum} =</span>
                <strong>{pretty(item.result)}</strong>
              </button>
            </li>
          ))}
        </ol>
        <p className="muted history-empty" id="history-empty" hidden={history.length > 0}>
          Your calculations will appear here. Select one to use its result.
        </p>
        <p className="hint muted">
          Keys: digits, <kbd>+</kbd> <kbd>−</kbd> <kbd>*</kbd> <kbd>/</kbd>, <kbd>Enter</kbd> equals, <kbd>Backspace</kbd>{' '}
          deletes, <kbd>Esc</kbd> clears.
        </p>
      </section>
    </div>
  )
}
