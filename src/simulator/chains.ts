/**
 * Which chats this simulator created and how long each one's chain is (turn 1 has no
 * `previousChatId`, each link adds one). Needed for `endAfterTurns` and the `turn` handed to a
 * `script`; the simulator only keeps one when either is set, as it costs memory per chat.
 */
export class ChainStore {
  readonly #lengths = new Map<string, number>();

  /**
   * Chain length a new chat continuing `previousChatId` gets. A previous chat this store does
   * not know (made elsewhere or before a reset) still counts as one turn.
   */
  lengthAfter(previousChatId: string | undefined): number {
    if (previousChatId === undefined) return 1;
    return (this.#lengths.get(previousChatId) ?? 1) + 1;
  }

  has(chatId: string): boolean {
    return this.#lengths.has(chatId);
  }

  add(chatId: string, length: number): void {
    this.#lengths.set(chatId, length);
  }

  clear(): void {
    this.#lengths.clear();
  }
}
