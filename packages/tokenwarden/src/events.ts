import type { TokenEvent } from './types';

/** A `client.subscribe` listener. It runs synchronously; a throwing listener never breaks the client. */
export type TokenEventListener = (event: TokenEvent) => void;

/** Synchronous fan-out. A throwing listener is reported asynchronously and never breaks the engine. */
export class EventHub {
  readonly #listeners = new Set<TokenEventListener>();

  subscribe(listener: TokenEventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(event: TokenEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  get size(): number {
    return this.#listeners.size;
  }

  clear(): void {
    this.#listeners.clear();
  }
}
