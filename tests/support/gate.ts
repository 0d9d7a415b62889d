// A fault hook that stops a writer at one point until the test lets it go (transactions before their commit point).
export interface Gate {
  /** The hook: marks the point reached and waits for release(). */
  hold: () => Promise<void>;
  /** Resolves once the writer is at the point. */
  reached: Promise<void>;
  release: () => void;
}

export function gate(): Gate {
  let arrive!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => (arrive = r));
  const held = new Promise<void>((r) => (release = r));
  return {
    hold: () => {
      arrive();
      return held;
    },
    reached,
    release,
  };
}
