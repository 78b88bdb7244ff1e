// A real JPEG with identifying metadata, for the attachment tests in Chromium: the picture is
// made by the browser's own encoder (canvas.toBlob), then an Exif block with a GPS IFD and a
// camera serial, and XMP with a location, are inserted the way cameras and editors write them.
import type { Page } from 'playwright-core';

export const SERIAL = 'SN-4711-CAMERA';
export const XMP_LOCATION = '37,57.12345N';

function segment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** A big-endian TIFF block as Exif holds it: IFD0 → Exif IFD (BodySerialNumber) and GPS IFD
 * (GPSLatitudeRef "N"). Also used alone, as a PNG eXIf chunk (test/client/strip-metadata.test.ts). */
export function exifTiff(serial = SERIAL): Buffer {
  const b = Buffer.alloc(120);
  b.write('MM', 0, 'latin1');
  b.writeUInt16BE(42, 2);
  b.writeUInt32BE(8, 4);
  b.writeUInt16BE(2, 8);
  b.writeUInt16BE(0x8769, 10);
  b.writeUInt16BE(4, 12);
  b.writeUInt32BE(1, 14);
  b.writeUInt32BE(38, 18);
  b.writeUInt16BE(0x8825, 22);
  b.writeUInt16BE(4, 24);
  b.writeUInt32BE(1, 26);
  b.writeUInt32BE(56, 30);
  b.writeUInt16BE(1, 38);
  b.writeUInt16BE(0xa431, 40);
  b.writeUInt16BE(2, 42);
  b.writeUInt32BE(serial.length + 1, 44);
  b.writeUInt32BE(80, 48);
  b.writeUInt16BE(1, 56);
  b.writeUInt16BE(0x0001, 58);
  b.writeUInt16BE(2, 60);
  b.writeUInt32BE(2, 62);
  b.write('N\0', 66, 'latin1');
  b.write(serial + '\0', 80, 'latin1');
  return b;
}

/** Exif APP1 holding exifTiff(). */
function exifSegment(): Buffer {
  return segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), exifTiff()]));
}

function xmpSegment(): Buffer {
  const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description exif:GPSLatitude="${XMP_LOCATION}"/></rdf:RDF></x:xmpmeta>`;
  return segment(0xe1, Buffer.from(`http://ns.adobe.com/xap/1.0/\0${xmp}`, 'latin1'));
}

/** A JPEG from Chromium's encoder (a gradient), as the browser made it. */
export async function canvasJpeg(page: Page): Promise<Buffer> {
  const bytes = await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 96;
    canvas.height = 64;
    const g = canvas.getContext('2d')!;
    for (let x = 0; x < 96; x++) {
      g.fillStyle = `rgb(${x * 2}, ${255 - x * 2}, 128)`;
      g.fillRect(x, 0, 1, 64);
    }
    const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/jpeg', 0.9));
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  });
  return Buffer.from(bytes);
}

/** Inserts Exif and XMP right after SOI (and APP0 JFIF, when there is one). */
export function withMetadata(jpeg: Buffer): Buffer {
  let at = 2;
  if (jpeg[2] === 0xff && jpeg[3] === 0xe0) at = 4 + jpeg.readUInt16BE(4);
  return Buffer.concat([jpeg.subarray(0, at), exifSegment(), xmpSegment(), jpeg.subarray(at)]);
}
