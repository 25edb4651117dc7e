// escape-html ships no types (it comes with express, a dependency of the MCP SDK).
declare module 'escape-html' {
  export default function escapeHtml(text: string): string;
}
