// QR codes of places (码上办): which levels have one, which print label
// sheets, and handing their images to the user.
import type { NodeKind, QRCode } from './api/types'

/** Residents scan a code on a building or, for the open spaces, on a grid. */
export const QR_KINDS: readonly NodeKind[] = ['grid', 'building']
/** A sheet of labels covers the grids and buildings at or below a community, zone or grid. */
export const LABEL_KINDS: readonly NodeKind[] = ['community', 'zone', 'grid']

export const hasQrCode = (kind: NodeKind) => QR_KINDS.includes(kind)
export const printsLabels = (kind: NodeKind) => LABEL_KINDS.includes(kind)

/** Pixels per module of the PNG offered for download: sharp on a printed label. */
export const DOWNLOAD_SCALE = 20

/** The PNG's URL at a scale (the API's png_url takes ?scale=). */
export function pngUrl(code: QRCode, scale: number = DOWNLOAD_SCALE): string {
  return `${code.png_url}${code.png_url.includes('?') ? '&' : '?'}scale=${scale}`
}

/** The file name a downloaded image gets: the place's code when known, else the node id. */
export function qrFileName(placeCode: string | undefined, code: QRCode, ext: 'png' | 'svg'): string {
  return `qr-${placeCode || code.node_id}.${ext}`
}

/** Saves a blob under a name through a temporary link. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
  // The download has started once click() returns; give slow browsers a moment anyway.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
