import Konva from 'konva';
import type { StageBox } from './annotationStage';

const FONT = '11px system-ui, sans-serif';
const HEIGHT = 14;
const PAD = 3;

/**
 * The short tags drawn on boxes (a score), all in one shape at a fixed screen size whatever the zoom:
 * a dark plate in the box's colour-edged corner, above the box's top-left corner (inside it when the
 * box touches the top of the view). One pass of plain canvas calls, so tags cost little per frame.
 */
export class BoxTags {
  #tagged: StageBox[] = [];
  readonly node = new Konva.Shape({
    listening: false,
    sceneFunc: (context) => this.#draw(context),
  });

  set(boxes: readonly StageBox[]): void {
    this.#tagged = boxes.filter((b) => b.tag);
    this.node.visible(this.#tagged.length > 0);
  }

  #draw(context: Konva.Context): void {
    const canvas = context.getCanvas();
    const ratio = canvas.getPixelRatio();
    const [a = 1, , , d = 1, e = 0, f = 0] = this.node.getAbsoluteTransform().getMatrix();
    const ctx = context._context;
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    for (const b of this.#tagged) {
      const x = a * b.x + e;
      let y = d * b.y + f - HEIGHT;
      if (y < 0) y += HEIGHT;
      const width = ctx.measureText(b.tag!).width + 2 * PAD;
      ctx.fillStyle = '#000000b3';
      ctx.fillRect(x, y, width, HEIGHT);
      ctx.fillStyle = b.color;
      ctx.fillRect(x, y, 2, HEIGHT);
      ctx.fillStyle = '#ffffff';
      ctx.fillText(b.tag!, x + PAD + 1, y + HEIGHT / 2);
    }
    ctx.restore();
  }
}
